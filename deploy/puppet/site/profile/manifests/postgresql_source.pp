# @summary The source PostgreSQL: logical replication on, a replication user for ingest-cdc, the
#   publication of the captured tables. Every one-time step checks the database's real state.
#
# @param version PostgreSQL major version (the distribution's package)
# @param database the application database Freshet captures
# @param tables the captured tables (schema.table), as ingest-cdc's cdc.tables
# @param publication publication name (ingest-cdc's cdc.publication)
# @param replication_user the user ingest-cdc connects as (REPLICATION, SELECT on the tables)
# @param replication_password its password (Sensitive; eyaml in Hiera)
# @param cdc_hosts networks ingest-cdc connects from (pg_hba, md5)
# @param max_replication_slots slots the server allows (one per ingest-cdc deployment, plus spare)
class profile::postgresql_source (
  String[1] $version,
  String[1] $database,
  Array[String[1], 1] $tables,
  String[1] $publication,
  String[1] $replication_user,
  Sensitive[String[1]] $replication_password,
  Array[String[1], 1] $cdc_hosts,
  Integer[1] $max_replication_slots = 4,
) {
  include profile::base
  class { 'postgresql::globals':
    version             => $version,
    manage_package_repo => false,
  }
  class { 'postgresql::server':
    listen_addresses => '*',
  }
  postgresql::server::config_entry {
    'wal_level':             value => 'logical';
    'max_replication_slots': value => String($max_replication_slots);
    'max_wal_senders':       value => String($max_replication_slots + 2);
  }
  postgresql::server::role { $replication_user:
    password_hash => postgresql::postgresql_password($replication_user, $replication_password.unwrap),
    replication   => true,
  }
  # The application's database: created only if the application has not yet.
  postgresql::server::database { $database: }
  postgresql::server::database_grant { "CONNECT ${replication_user} ${database}":
    privilege => 'CONNECT',
    db        => $database,
    role      => $replication_user,
    require   => Postgresql::Server::Role[$replication_user],
  }
  $table_list = $tables.join(', ')
  $granted = $tables.map |$t| { "has_table_privilege('${replication_user}', '${t}', 'SELECT')" }.join(' AND ')
  postgresql_psql { "SELECT on captured tables to ${replication_user}":
    db      => $database,
    command => "GRANT SELECT ON ${table_list} TO ${replication_user}",
    unless  => "SELECT 1 WHERE ${granted}",
    require => [Postgresql::Server::Database[$database], Postgresql::Server::Role[$replication_user]],
  }
  $cdc_hosts.each |String $network| {
    postgresql::server::pg_hba_rule { "ingest-cdc from ${network}":
      type        => 'host',
      database    => $database,
      user        => $replication_user,
      address     => $network,
      auth_method => 'md5',
    }
    postgresql::server::pg_hba_rule { "ingest-cdc replication from ${network}":
      type        => 'host',
      database    => 'replication',
      user        => $replication_user,
      address     => $network,
      auth_method => 'md5',
    }
  }
  postgresql_psql { "publication ${publication}":
    db      => $database,
    command => "CREATE PUBLICATION ${publication} FOR TABLE ${table_list}",
    unless  => "SELECT 1 FROM pg_publication WHERE pubname = '${publication}'",
    require => [Postgresql::Server::Database[$database], Postgresql::Server::Config_entry['wal_level']],
  }
}
