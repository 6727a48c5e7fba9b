# @summary The serving service: the HTTP API and the generator.
#
# @param settings its config keys beyond the shared ones (README "Configuration")
# @param heap JVM heap
# @param java_opts JVM flags: PyTorch offline, one intra-op and one inter-op thread (small hosts)
# @param api_keys the API keys (README "API keys"): id, bcrypt hash (bin/api-key), scopes, optional
#   expires and limits; written to the keys file, which serving re-reads without a restart
class profile::serving (
  Sensitive[Array[Struct[{
    id                  => Pattern[/\A[a-z0-9][a-z0-9_-]{0,63}\z/],
    hash                => Pattern[/\A\$2[aby]\$\d\d\$[.\/A-Za-z0-9]{53}\z/],
    scopes              => Array[Enum['features:read', 'generate', 'admin'], 1],
    Optional['expires'] => String[1],
    Optional['limits']  => Hash[String[1], Integer[1]],
  }]]] $api_keys,
  Hash[String[1], Scalar] $settings = {},
  String[1] $heap = '512m',
  Array[String[1]] $java_opts = ['-Dai.djl.offline=true', '-Dai.djl.pytorch.num_threads=1', '-Dai.djl.pytorch.num_interop_threads=1'],
) {
  include profile::freshet
  profile::refuse_placeholders('profile::serving', { 'api_keys' => $api_keys })
  $keys_file = '/etc/freshet/serving-api-keys.json'
  # Not a subscription of the service: serving re-reads the file (auth.reload-interval), so a
  # rotation needs no restart.
  file { $keys_file:
    ensure    => file,
    content   => Sensitive(to_json_pretty({ 'keys' => $api_keys.unwrap })),
    owner     => 'root',
    group     => $profile::freshet::service_user,
    mode      => '0640',
    show_diff => false,
  }
  profile::freshet::service { 'serving':
    main_class => 'dev.freshet.serving.ServingService',
    settings   => {
      'generator.scratch-dir' => '/var/lib/freshet/serving/model',
      'auth.keys-file'        => $keys_file,
    } + $profile::freshet::kafka_settings + $profile::freshet::cql_settings + $settings,
    secrets    => $profile::freshet::kafka_secrets + $profile::freshet::cql_secrets,
    java_opts  => $java_opts,
    heap       => $heap,
  }
}
