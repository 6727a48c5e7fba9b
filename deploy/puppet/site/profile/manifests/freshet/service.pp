# @summary One Freshet service on a node: its release unpacked from a configurable source, its
#   config file from an EPP template, a systemd unit, and the service, restarted when (and only
#   when) its config, unit or release changes.
#
# @param main_class the service's main class
# @param settings the service's config keys (README "Configuration"), written to its file
# @param secrets config keys whose values are secret (passwords): written to the same file,
#   never shown in diffs or reports
# @param heap JVM heap (-Xms and -Xmx)
# @param java_opts further JVM options (e.g. -Dai.djl.pytorch.num_threads=1 for serving)
define profile::freshet::service (
  String[1] $main_class,
  Hash[String[1], Scalar] $settings,
  Hash[String[1], Sensitive[String]] $secrets = {},
  String[1] $heap = '512m',
  Array[String[1]] $java_opts = [],
) {
  include profile::freshet
  $service = $title
  $root = $profile::freshet::root
  $user = $profile::freshet::service_user
  $release = "${root}/opt/freshet/${service}/${profile::freshet::version}"
  $tarball = "${root}/opt/freshet/${service}/freshet-${service}-${profile::freshet::version}.tar.gz"
  $config = "${root}/etc/freshet/${service}.properties"
  $unit = "freshet-${service}.service"

  file { "${root}/opt/freshet/${service}":
    ensure => directory,
    mode   => '0755',
  }
  file { $tarball:
    ensure => file,
    source => "${profile::freshet::artifact_base_url}/freshet-${service}-${profile::freshet::version}.tar.gz",
    mode   => '0644',
  }
  # Unpacked once per version: the directory named after the version is the real state.
  exec { "unpack freshet-${service} ${profile::freshet::version}":
    command => "/bin/mkdir -p ${release} && /bin/tar -xzf ${tarball} -C ${release}",
    creates => "${release}/lib",
    require => File[$tarball],
  }
  file { "${root}/opt/freshet/${service}/current":
    ensure  => link,
    target  => $release,
    require => Exec["unpack freshet-${service} ${profile::freshet::version}"],
  }
  file { $config:
    ensure    => file,
    content   => epp('profile/freshet/service.properties.epp', {
      'service'  => $service,
      'settings' => $settings,
      'secrets'  => $secrets,
    }),
    mode      => '0640',
    show_diff => false,
  }
  $unit_content = epp('profile/freshet/service.unit.epp', {
    'service'    => $service,
    'user'       => $user,
    'home'       => "/opt/freshet/${service}/current",
    'config'     => "/etc/freshet/${service}.properties",
    'main_class' => $main_class,
    'heap'       => $heap,
    'java_opts'  => $java_opts,
    'log_dir'    => "${profile::freshet::log_root}/${service}",
  })
  file { "${root}${profile::freshet::log_root}/${service}":
    ensure => directory,
    mode   => '0750',
  }

  if $profile::freshet::manage_system {
    File[$config] {
      owner => 'root',
      group => $user,
    }
    File["${root}${profile::freshet::log_root}/${service}"] {
      owner => $user,
      group => $user,
    }
    systemd::unit_file { $unit:
      content => $unit_content,
    }
    service { "freshet-${service}":
      ensure    => running,
      enable    => true,
      subscribe => [File[$config], Systemd::Unit_file[$unit], File["${root}/opt/freshet/${service}/current"]],
    }
  } else {
    file { "${root}/etc/systemd/system/${unit}":
      ensure  => file,
      content => $unit_content,
      mode    => '0444',
    }
  }
}
