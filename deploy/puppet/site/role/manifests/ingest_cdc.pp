# @summary A node that runs CDC from the source database (one per source; a second is a standby),
#   and reconciles Freshet's topics (once per cluster: from this node, not from every broker).
class role::ingest_cdc {
  include profile::base
  include profile::ingest_cdc
  include profile::kafka_topics
}
