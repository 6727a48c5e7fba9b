# @summary A node that runs the source database Freshet captures.
class role::postgresql_source {
  include profile::base
  include profile::postgresql_source
}
