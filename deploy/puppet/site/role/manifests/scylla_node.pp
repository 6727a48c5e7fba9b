# @summary A node that runs a ScyllaDB node of the online feature store.
class role::scylla_node {
  include profile::base
  include profile::scylla_node
}
