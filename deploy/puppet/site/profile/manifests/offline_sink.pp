# @summary The offline-sink service: appends feature vectors and generations to Iceberg.
#
# @param settings its config keys beyond the shared ones (README "Configuration")
# @param heap JVM heap
class profile::offline_sink (
  Hash[String[1], Scalar] $settings = {},
  String[1] $heap = '512m',
) {
  include profile::freshet
  profile::freshet::service { 'offline-sink':
    main_class => 'dev.freshet.offline.OfflineSinkService',
    settings   => $profile::freshet::kafka_settings + { 'iceberg.warehouse' => '/var/lib/freshet/offline-sink/warehouse' } + $settings,
    secrets    => $profile::freshet::kafka_secrets,
    heap       => $heap,
  }
}
