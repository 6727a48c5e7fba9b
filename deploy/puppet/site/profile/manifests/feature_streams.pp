# @summary The feature-streams service: computes the rolling features (Kafka Streams); scale out by adding nodes with this role.
#
# @param settings its config keys beyond the shared ones (README "Configuration")
# @param heap JVM heap
# @param java_opts JVM flags: ZGC, whose pauses do not grow with the in-memory aggregates (with
#   G1 their old-to-young references made 150-250 ms young pauses; README "Benchmarks")
class profile::feature_streams (
  Hash[String[1], Scalar] $settings = {},
  String[1] $heap = '512m',
  Array[String[1]] $java_opts = ['-XX:+UseZGC'],
) {
  include profile::freshet
  profile::freshet::service { 'feature-streams':
    main_class => 'dev.freshet.features.FeatureStreamsService',
    settings   => $profile::freshet::kafka_settings + { 'streams.state-dir' => '/var/lib/freshet/feature-streams/state' } + $settings,
    secrets    => $profile::freshet::kafka_secrets,
    heap       => $heap,
    java_opts  => $java_opts,
  }
}
