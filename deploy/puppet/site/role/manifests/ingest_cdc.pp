# @summary A node that runs CDC from the source database (one per source; a second is a standby).
class role::ingest_cdc {
  include profile::base
  include profile::ingest_cdc
}
