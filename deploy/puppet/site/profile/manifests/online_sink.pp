# @summary The online-sink service: writes feature vectors to ScyllaDB.
#
# @param settings its config keys beyond the shared ones (README "Configuration")
# @param heap JVM heap
class profile::online_sink (
  Hash[String[1], Scalar] $settings = {},
  String[1] $heap = '512m',
) {
  include profile::freshet
  profile::freshet::service { 'online-sink':
    main_class => 'dev.freshet.online.OnlineSinkService',
    settings   => {
      'kafka.bootstrap-servers' => $profile::freshet::kafka_bootstrap_servers,
      'cql.contact-points'      => $profile::freshet::cql_contact_points,
      'cql.local-datacenter'    => $profile::freshet::cql_local_datacenter,
    } + $settings,
    heap       => $heap,
  }
}
