# @summary What every Freshet node needs: time sync, the service user, a JDK, kernel and limits
#   settings the JVM services want, and the log directory.
#
# @param service_user user (and group) the Freshet services and the JVM servers run as
# @param java_package the JRE package (Java 17+)
# @param log_root parent of each service's log directory
# @param sysctls kernel settings, e.g. vm.max_map_count for Kafka's and Scylla's memory maps
# @param nofile open files limit for the service user (Kafka and Scylla keep many files open)
# @param manage_system false only to apply into a sandbox root (no users, packages or services)
# @param root path prefix for every file (empty on real nodes; a sandbox directory in tests)
class profile::base (
  String[1] $service_user,
  String[1] $java_package,
  Stdlib::Absolutepath $log_root,
  Hash[String[1], Variant[String[1], Integer]] $sysctls,
  Integer[1024] $nofile,
  Boolean $manage_system = true,
  String $root = '',
) {
  $dirs = ["${root}/etc/freshet", "${root}${log_root}", "${root}/var/lib/freshet", "${root}/opt/freshet"]
  if $manage_system {
    package { ['chrony', $java_package]:
      ensure => installed,
    }
    service { 'chrony':
      ensure  => running,
      enable  => true,
      require => Package['chrony'],
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
    file { '/etc/security/limits.d/60-freshet.conf':
      ensure  => file,
      content => "${service_user} soft nofile ${nofile}\n${service_user} hard nofile ${nofile}\n",
    }
    file { $dirs:
      ensure  => directory,
      owner   => $service_user,
      group   => $service_user,
      mode    => '0750',
      require => User[$service_user],
    }
  } else {
    file { $dirs:
      ensure => directory,
      mode   => '0750',
    }
  }
}
