# @summary One Freshet service on a node: its release tarball (checksum verified) unpacked per
#   version and checksum, its config file from an EPP template, a systemd unit or an init script
#   (profile::base::service_provider), and the service, restarted when (and only when) its
#   config, unit or release changes.
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
  profile::refuse_placeholders("profile::${regsubst($title, '-', '_', 'G')}", { 'settings' => $settings, 'secrets' => $secrets })
  $service = $title
  $version = $profile::freshet::version
  $user = $profile::freshet::service_user
  $provider = $profile::base::service_provider
  $checksum = $profile::freshet::release_checksums[$service]
  if $checksum =~ Undef {
    fail("profile::freshet::release_checksums has no entry for ${service}: add the SHA-256 bin/package-service printed")
  }
  $home = "/opt/freshet/${service}"
  $release = "${home}/${version}"
  $tarball = "${home}/freshet-${service}-${version}.tar.gz"
  $config = "/etc/freshet/${service}.properties"
  $log_dir = "${profile::freshet::log_root}/${service}"
  $state_dir = "/var/lib/freshet/${service}"

  file { $home:
    ensure => directory,
    mode   => '0755',
  }
  # Fetched again whenever the file on disk does not have this checksum; a download that does
  # not match it is discarded and the run fails.
  file { $tarball:
    ensure         => file,
    source         => "${profile::freshet::artifact_base_url}/freshet-${service}-${version}.tar.gz",
    checksum       => 'sha256',
    checksum_value => $checksum,
    mode           => '0644',
  }
  # The version's directory holds the tarball whose checksum Hiera declares (the marker file says
  # which): unpacked again when a tarball of the same version is replaced, not only when missing.
  $marker = "${release}/.release-sha256"
  exec { "unpack freshet-${service} ${version}":
    command => ['/bin/sh', '-c', @("SH"/L)],
      rm -rf '${release}' && mkdir -p '${release}' && tar -xzf '${tarball}' -C '${release}' \
      && echo '${checksum}' > '${marker}'
      | SH
    unless  => [['/bin/grep', '-qx', $checksum, $marker]],
    require => File[$tarball],
  }
  file { "${home}/current":
    ensure  => link,
    target  => $release,
    require => Exec["unpack freshet-${service} ${version}"],
  }
  file { $config:
    ensure    => file,
    content   => epp('profile/freshet/service.properties.epp', {
      'service'  => $service,
      'settings' => $settings,
      'secrets'  => $secrets,
    }),
    owner     => 'root',
    group     => $user,
    mode      => '0640',
    show_diff => false,
  }
  file { [$log_dir, $state_dir]:
    ensure => directory,
    owner  => $user,
    group  => $user,
    mode   => '0750',
  }
  $launch = {
    'service'    => $service,
    'user'       => $user,
    'home'       => "${home}/current",
    'config'     => $config,
    'main_class' => $main_class,
    'heap'       => $heap,
    'java_opts'  => $java_opts,
    'log_dir'    => $log_dir,
    'state_dir'  => $state_dir,
    'nofile'     => $profile::base::nofile,
  }
  if $provider == 'systemd' {
    systemd::unit_file { "freshet-${service}.service":
      content => epp('profile/freshet/service.unit.epp', $launch),
    }
    $launcher = Systemd::Unit_file["freshet-${service}.service"]
  } else {
    file { "/etc/init.d/freshet-${service}":
      ensure  => file,
      content => epp('profile/freshet/service.init.epp', $launch),
      mode    => '0755',
    }
    $launcher = File["/etc/init.d/freshet-${service}"]
  }
  service { "freshet-${service}":
    ensure    => running,
    enable    => true,
    provider  => $provider,
    require   => File[$log_dir, $state_dir],
    subscribe => [File[$config], $launcher, File["${home}/current"], Exec["unpack freshet-${service} ${version}"]],
  }
}
