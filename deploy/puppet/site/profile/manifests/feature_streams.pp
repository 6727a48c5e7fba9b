# @summary The feature-streams service: computes the rolling features (Kafka Streams); scale out by adding nodes with this role.
#
# @param settings its config keys beyond the shared ones (README "Configuration")
# @param heap JVM heap
class profile::feature_streams (
  Hash[String[1], Scalar] $settings = {},
  String[1] $heap = '512m',
) {
  include profile::freshet
  profile::freshet::service { 'feature-streams':
    main_class => 'dev.freshet.features.FeatureStreamsService',
    settings   => {
      'kafka.bootstrap-servers' => $profile::freshet::kafka_bootstrap_servers,
      'streams.state-dir'       => '/var/lib/freshet/feature-streams/state',
    } + $settings,
    heap       => $heap,
  }
}
