# @summary Settings every Freshet service on a node shares (from Hiera).
#
# @param version the release to run; a new value rolls the node's services to it
# @param artifact_base_url where release tarballs live: freshet-<service>-<version>.tar.gz
#   (made by bin/package-service); https://, puppet:/// or file:// URLs
# @param kafka_bootstrap_servers the Kafka brokers, host:port[,host:port]
# @param cql_contact_points the ScyllaDB nodes, host:port[,host:port]
# @param cql_local_datacenter the datacenter the drivers prefer
class profile::freshet (
  String[1] $version,
  String[1] $artifact_base_url,
  String[1] $kafka_bootstrap_servers,
  String[1] $cql_contact_points,
  String[1] $cql_local_datacenter,
) {
  include profile::base
  $root = $profile::base::root
  $service_user = $profile::base::service_user
  $log_root = $profile::base::log_root
  $manage_system = $profile::base::manage_system
}
