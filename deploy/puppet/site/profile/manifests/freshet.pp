# @summary Settings every Freshet service on a node shares (from Hiera).
#
# @param version the release to run; a new value rolls the node's services to it
# @param artifact_base_url where release tarballs live: freshet-<service>-<version>.tar.gz
#   (made by bin/package-service); https://, puppet:/// or file:// URLs
# @param kafka_bootstrap_servers the Kafka brokers, host:port[,host:port]
# @param cql_contact_points the ScyllaDB nodes, host:port[,host:port]
# @param cql_local_datacenter the datacenter the drivers prefer
# @param kafka_security how every Kafka client authenticates (README "Configuration"), e.g.
#   kafka.security.protocol SASL_SSL, kafka.sasl.mechanism, kafka.sasl.username, kafka.ssl.truststore
# @param kafka_sasl_password the SASL password (Sensitive; eyaml in Hiera); empty: none
# @param cql_security how the CQL sessions authenticate: cql.username, cql.ssl.truststore,
#   cql.ssl.hostname-validation
# @param cql_password the CQL login's password (Sensitive; eyaml in Hiera); empty: none
class profile::freshet (
  String[1] $version,
  String[1] $artifact_base_url,
  String[1] $kafka_bootstrap_servers,
  String[1] $cql_contact_points,
  String[1] $cql_local_datacenter,
  Hash[Pattern[/\Akafka\.(security|sasl|ssl)\./], Scalar] $kafka_security = {},
  Sensitive[String] $kafka_sasl_password = Sensitive(''),
  Hash[Pattern[/\Acql\.(username|ssl)/], Scalar] $cql_security = {},
  Sensitive[String] $cql_password = Sensitive(''),
) {
  include profile::base
  # What every service that talks to Kafka, or to the feature store, gets in its config file.
  $kafka_settings = { 'kafka.bootstrap-servers' => $kafka_bootstrap_servers } + $kafka_security
  $kafka_secrets = $kafka_sasl_password.unwrap.empty ? { true => {}, false => { 'kafka.sasl.password' => $kafka_sasl_password } }
  $cql_settings = { 'cql.contact-points' => $cql_contact_points, 'cql.local-datacenter' => $cql_local_datacenter } + $cql_security
  $cql_secrets = $cql_password.unwrap.empty ? { true => {}, false => { 'cql.password' => $cql_password } }
  $root = $profile::base::root
  $service_user = $profile::base::service_user
  $log_root = $profile::base::log_root
  $manage_system = $profile::base::manage_system
}
