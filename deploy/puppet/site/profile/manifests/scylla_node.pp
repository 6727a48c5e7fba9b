# @summary A ScyllaDB node: Scylla's apt repository and package, scylla.yaml from a template
#   (cluster, seeds, addresses), the service, and — on the first seed only — the feature store
#   keyspace, created when cqlsh does not find it (online-sink migrates the tables itself).
#
# @param release Scylla release series of the repository, e.g. 6.2
# @param repo_location Scylla's Debian repository (or a mirror of it)
# @param repo_key_id the repository's signing key fingerprint
# @param repo_key_server where to fetch that key
# @param cluster_name the cluster's name (same on every node)
# @param seeds seed nodes' addresses (two or three per datacenter)
# @param listen_address this node's address for the other nodes and the drivers
# @param datacenter this node's datacenter (GossipingPropertyFileSnitch)
# @param rack this node's rack
# @param developer_mode false (production): the node measures its disks once (scylla_io_setup,
#   /etc/scylla.d/io_properties.yaml) before Scylla first starts, as Scylla requires; true only for
#   test boxes, where Scylla skips its I/O checks and tuning
# @param keyspace the feature store keyspace (cql.keyspace)
# @param replication keyspace replication per datacenter, e.g. { dc1 => 3 }
class profile::scylla_node (
  String[1] $release,
  String[1] $repo_location,
  String[1] $repo_key_id,
  String[1] $repo_key_server,
  String[1] $cluster_name,
  Array[Stdlib::Host, 1] $seeds,
  Stdlib::Host $listen_address,
  String[1] $datacenter,
  String[1] $rack = 'rack1',
  Boolean $developer_mode = false,
  String[1] $keyspace = 'feature_store',
  Hash[String[1], Integer[1]] $replication = { 'dc1' => 3 },
) {
  include profile::base
  profile::refuse_placeholders('profile::scylla_node', {
    'repo_location' => $repo_location,
    'repo_key_id'   => $repo_key_id,
    'cluster_name'  => $cluster_name,
  })
  include apt
  apt::source { 'scylla':
    location => $repo_location,
    release  => 'stable',
    repos    => 'main',
    key      => { 'id' => $repo_key_id, 'server' => $repo_key_server },
  }
  package { 'scylla':
    ensure  => installed,
    require => [Apt::Source['scylla'], Class['apt::update']],
  }
  file { '/etc/scylla/scylla.yaml':
    ensure  => file,
    content => epp('profile/scylla/scylla.yaml.epp', {
      'cluster_name'   => $cluster_name,
      'seeds'          => $seeds,
      'listen_address' => $listen_address,
      'developer_mode' => $developer_mode,
    }),
    require => Package['scylla'],
  }
  file { '/etc/scylla/cassandra-rackdc.properties':
    ensure  => file,
    content => "dc=${datacenter}\nrack=${rack}\n",
    require => Package['scylla'],
  }
  # Scylla refuses to start outside developer mode until its I/O scheduler knows the disks:
  # measured once (a few minutes), kept in io_properties.yaml.
  unless $developer_mode {
    exec { 'scylla io setup':
      command => '/usr/lib/scylla/scylla_io_setup',
      creates => '/etc/scylla.d/io_properties.yaml',
      timeout => 1800,
      require => File['/etc/scylla/scylla.yaml'],
      before  => Service['scylla-server'],
    }
  }
  service { 'scylla-server':
    ensure    => running,
    enable    => true,
    provider  => $profile::base::service_provider,
    subscribe => File['/etc/scylla/scylla.yaml', '/etc/scylla/cassandra-rackdc.properties'],
  }
  if $listen_address == $seeds[0] {
    $factors = $replication.map |$dc, $n| { "'${dc}': ${n}" }.join(', ')
    $create = "CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {'class': 'NetworkTopologyStrategy', ${factors}}"
    exec { "keyspace ${keyspace}":
      command   => "/usr/bin/cqlsh ${listen_address} -e \"${create}\"",
      unless    => "/usr/bin/cqlsh ${listen_address} -e \"DESCRIBE KEYSPACE ${keyspace}\"",
      tries     => 12,
      try_sleep => 10,
      require   => Service['scylla-server'],
    }
  }
}
