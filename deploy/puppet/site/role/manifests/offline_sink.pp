# @summary A node that runs the writer of the Iceberg logs.
class role::offline_sink {
  include profile::base
  include profile::offline_sink
}
