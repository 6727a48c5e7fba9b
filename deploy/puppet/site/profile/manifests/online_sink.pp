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
    settings   => $profile::freshet::kafka_settings + $profile::freshet::cql_settings + $settings,
    secrets    => $profile::freshet::kafka_secrets + $profile::freshet::cql_secrets,
    heap       => $heap,
  }
}
