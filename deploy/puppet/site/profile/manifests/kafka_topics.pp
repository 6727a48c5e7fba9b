# @summary Freshet's Kafka topics as declared in Hiera: created once per cluster, from the one node
#   that includes this profile (role::ingest_cdc), not from every broker; partitions grown and the
#   declared configs set on every run when they differ; fewer partitions or another replication
#   factor refused, loudly, each run (TopicsTool, from ingest-cdc's release, with its Kafka client
#   settings: TLS and SASL included).
#
# @param topics topic name to partitions, replication factor and the configs it must have (configs
#   not named are left as the cluster has them). What each is for: deploy/README.md "Topics".
class profile::kafka_topics (
  Hash[String[1], Struct[{
    partitions         => Integer[1],
    replication_factor => Integer[1],
    Optional[config]   => Hash[String[1], Scalar],
  }]] $topics,
) {
  include profile::ingest_cdc
  $file = '/etc/freshet/topics.json'
  $config = '/etc/freshet/ingest-cdc.properties'
  $release = '/opt/freshet/ingest-cdc/current'
  file { $file:
    ensure  => file,
    content => to_json_pretty({ 'topics' => $topics }),
    owner   => 'root',
    group   => $profile::freshet::service_user,
    mode    => '0640',
  }
  $tool = ['/usr/bin/java', '-cp', "${release}/lib/*", 'dev.freshet.ingest.topics.TopicsTool',
    '--config', $config, '--topics', $file, '--mode']
  exec { 'kafka topics':
    command   => $tool + ['apply'],
    unless    => [$tool + ['check']],
    logoutput => true,
    require   => File[$file, $config, $release],
    before    => Service['freshet-ingest-cdc'],
  }
}
