# @summary What every Freshet node needs: time sync, the service user, a JDK, kernel and limits
#   settings the JVM services want, and Freshet's directories.
#
# @param service_user user (and group) the Freshet services run as
# @param java_package the JRE package (Java 17+)
# @param log_root parent of each service's log directory
# @param sysctls kernel settings, e.g. vm.max_map_count for Kafka's and Scylla's memory maps
#   (empty where the kernel's settings are not the node's, e.g. in a container)
# @param nofile open files limit of the services (Kafka and Scylla keep many files open)
# @param service_provider how services are run: systemd units, or Debian init scripts run by
#   `service` on nodes without systemd (containers, sysvinit hosts)
# @param time_sync run chrony (false where the host or hypervisor keeps the clock, e.g. a container)
class profile::base (
  String[1] $service_user,
  String[1] $java_package,
  Stdlib::Absolutepath $log_root,
  Hash[String[1], Variant[String[1], Integer]] $sysctls,
  Integer[1024] $nofile,
  Enum['systemd', 'debian'] $service_provider = 'systemd',
  Boolean $time_sync = true,
) {
  package { $java_package:
    ensure => installed,
  }
  if $time_sync {
    package { 'chrony':
      ensure => installed,
    }
    service { 'chrony':
      ensure   => running,
      enable   => true,
      provider => $service_provider,
      require  => Package['chrony'],
    }
  }
  group { $service_user:
    ensure => present,
    system => true,
  }
  user { $service_user:
    ensure     => present,
    system     => true,
    gid        => $service_user,
    home       => '/var/lib/freshet',
    shell      => '/usr/sbin/nologin',
    managehome => false,
  }
  $sysctls.each |String $key, $value| {
    file { "/etc/sysctl.d/60-freshet-${key}.conf":
      ensure  => file,
      content => "${key} = ${value}\n",
      notify  => Exec["sysctl ${key}"],
    }
    exec { "sysctl ${key}":
      command     => "/sbin/sysctl -w ${key}=${value}",
      refreshonly => true,
    }
  }
  # For logins as the service user; the services themselves get it from their unit or init script.
  file { '/etc/security/limits.d/60-freshet.conf':
    ensure  => file,
    content => "${service_user} soft nofile ${nofile}\n${service_user} hard nofile ${nofile}\n",
  }
  file { ['/etc/freshet', $log_root, '/var/lib/freshet', '/opt/freshet']:
    ensure  => directory,
    owner   => $service_user,
    group   => $service_user,
    mode    => '0750',
    require => User[$service_user],
  }
}
