# @summary Settings every Freshet service on a node shares (from Hiera).
#
# @param version the release to run; a new value rolls the node's services to it
# @param artifact_base_url where release tarballs live: freshet-<service>-<version>.tar.gz
#   (made by bin/package-service); https://, puppet:/// or file:// URLs
# @param release_checksums each service's tarball SHA-256 for this version (bin/package-service
#   prints it): a download that does not match is discarded and the run fails
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
  Hash[Enum['ingest-cdc', 'feature-streams', 'online-sink', 'offline-sink', 'serving'], String[1]] $release_checksums,
  String[1] $kafka_bootstrap_servers,
  String[1] $cql_contact_points,
  String[1] $cql_local_datacenter,
  Hash[Pattern[/\Akafka\.(security|sasl|ssl)\./], Scalar] $kafka_security = {},
  Sensitive[String] $kafka_sasl_password = Sensitive(''),
  Hash[Pattern[/\Acql\.(username|ssl)/], Scalar] $cql_security = {},
  Sensitive[String] $cql_password = Sensitive(''),
) {
  include profile::base
  profile::refuse_placeholders('profile::freshet', {
    'version'                 => $version,
    'artifact_base_url'       => $artifact_base_url,
    'release_checksums'       => $release_checksums,
    'kafka_bootstrap_servers' => $kafka_bootstrap_servers,
    'cql_contact_points'      => $cql_contact_points,
    'kafka_security'          => $kafka_security,
    'kafka_sasl_password'     => $kafka_sasl_password,
    'cql_security'            => $cql_security,
    'cql_password'            => $cql_password,
  })
  $release_checksums.each |$service, $checksum| {
    unless $checksum =~ /\A[0-9a-f]{64}\z/ {
      fail("profile::freshet::release_checksums: ${service}'s is not a SHA-256 (64 hex digits, as bin/package-service prints)")
    }
  }
  # What every service that talks to Kafka, or to the feature store, gets in its config file.
  $kafka_settings = { 'kafka.bootstrap-servers' => $kafka_bootstrap_servers } + $kafka_security
  $kafka_secrets = $kafka_sasl_password.unwrap.empty ? { true => {}, false => { 'kafka.sasl.password' => $kafka_sasl_password } }
  $cql_settings = { 'cql.contact-points' => $cql_contact_points, 'cql.local-datacenter' => $cql_local_datacenter } + $cql_security
  $cql_secrets = $cql_password.unwrap.empty ? { true => {}, false => { 'cql.password' => $cql_password } }
  $service_user = $profile::base::service_user
  $log_root = $profile::base::log_root
}
