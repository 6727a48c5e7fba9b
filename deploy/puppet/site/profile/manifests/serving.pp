# @summary The serving service: the HTTP API and the generator.
#
# @param settings its config keys beyond the shared ones (README "Configuration")
# @param heap JVM heap
# @param java_opts JVM flags: PyTorch offline, one intra-op and one inter-op thread (small hosts)
class profile::serving (
  Hash[String[1], Scalar] $settings = {},
  String[1] $heap = '512m',
  Array[String[1]] $java_opts = ['-Dai.djl.offline=true', '-Dai.djl.pytorch.num_threads=1', '-Dai.djl.pytorch.num_interop_threads=1'],
) {
  include profile::freshet
  profile::freshet::service { 'serving':
    main_class => 'dev.freshet.serving.ServingService',
    settings   => {
      'kafka.bootstrap-servers' => $profile::freshet::kafka_bootstrap_servers,
      'cql.contact-points'      => $profile::freshet::cql_contact_points,
      'cql.local-datacenter'    => $profile::freshet::cql_local_datacenter,
      'generator.scratch-dir'   => '/var/lib/freshet/serving/model',
    } + $settings,
    java_opts  => $java_opts,
    heap       => $heap,
  }
}
