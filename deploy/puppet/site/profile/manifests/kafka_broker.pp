# @summary A Kafka broker in KRaft mode (combined broker and controller): the release unpacked
#   from a configurable source, server.properties from a template, storage formatted exactly
#   once, and the service (under systemd). Freshet's topics: profile::kafka_topics.
#
# @param version Kafka release, e.g. 4.1.0 (Scala 2.13 build)
# @param download_base_url where kafka_2.13-<version>.tgz lives (a mirror of downloads.apache.org)
# @param node_id this broker's node.id
# @param cluster_id the KRaft cluster id (`kafka-storage.sh random-uuid`, once per cluster)
# @param controller_quorum_voters e.g. 1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093
# @param advertised_host the name clients reach this broker by
# @param log_dirs data directory
# @param heap broker heap
# @param internal_replication_factor replication of Kafka's own topics (offsets, transactions): 3 in production, 1 for a one-broker cluster
class profile::kafka_broker (
  String[1] $version,
  String[1] $download_base_url,
  Integer[0] $node_id,
  Pattern[/\A[A-Za-z0-9_-]{22}\z/] $cluster_id,
  String[1] $controller_quorum_voters,
  String[1] $advertised_host,
  Stdlib::Absolutepath $log_dirs = '/var/lib/kafka/data',
  String[1] $heap = '1g',
  Integer[1] $internal_replication_factor = 3,
) {
  include profile::base
  profile::refuse_placeholders('profile::kafka_broker', {
    'cluster_id'               => $cluster_id,
    'download_base_url'        => $download_base_url,
    'controller_quorum_voters' => $controller_quorum_voters,
  })
  $home = "/opt/kafka_2.13-${version}"
  $config = '/etc/kafka/server.properties'

  group { 'kafka':
    ensure => present,
    system => true,
  }
  user { 'kafka':
    ensure => present,
    system => true,
    gid    => 'kafka',
    home   => '/var/lib/kafka',
    shell  => '/usr/sbin/nologin',
  }
  file { "/opt/kafka_2.13-${version}.tgz":
    ensure => file,
    source => "${download_base_url}/${version}/kafka_2.13-${version}.tgz",
  }
  exec { "unpack kafka ${version}":
    command => "/bin/tar -xzf /opt/kafka_2.13-${version}.tgz -C /opt",
    creates => "${home}/bin/kafka-server-start.sh",
    require => File["/opt/kafka_2.13-${version}.tgz"],
  }
  file { ['/etc/kafka', '/var/lib/kafka', $log_dirs]:
    ensure => directory,
    owner  => 'kafka',
    group  => 'kafka',
    mode   => '0750',
  }
  file { $config:
    ensure  => file,
    owner   => 'kafka',
    group   => 'kafka',
    mode    => '0640',
    content => epp('profile/kafka/server.properties.epp', {
      'node_id'                  => $node_id,
      'controller_quorum_voters' => $controller_quorum_voters,
      'advertised_host'          => $advertised_host,
      'log_dirs'                 => $log_dirs,
      'replication_factor'       => $internal_replication_factor,
    }),
  }
  # Formatting twice would destroy the cluster's identity: meta.properties is the proof it happened.
  exec { 'format kafka storage':
    command => "${home}/bin/kafka-storage.sh format -t ${cluster_id} -c ${config}",
    creates => "${log_dirs}/meta.properties",
    user    => 'kafka',
    require => [Exec["unpack kafka ${version}"], File[$config, $log_dirs]],
  }
  systemd::unit_file { 'kafka.service':
    content => epp('profile/kafka/kafka.service.epp', {
      'home'   => $home,
      'config' => $config,
      'heap'   => $heap,
      'nofile' => $profile::base::nofile,
    }),
  }
  service { 'kafka':
    ensure    => running,
    enable    => true,
    # Brokers run under systemd only (the unit above).
    provider  => 'systemd',
    subscribe => [File[$config], Systemd::Unit_file['kafka.service']],
    require   => Exec['format kafka storage'],
  }
}
