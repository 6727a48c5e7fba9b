# @summary The source PostgreSQL: logical replication on, a replication user for ingest-cdc
#   (scram-sha-256), the publication of the captured tables. Every step checks the database's
#   real state: the role's stored verifier, the grants, the publication's table list.
#
# @param version PostgreSQL major version (the distribution's package)
# @param database the application database Freshet captures
# @param tables the captured tables (schema.table), as ingest-cdc's cdc.tables
# @param publication publication name (ingest-cdc's cdc.publication)
# @param replication_user the user ingest-cdc connects as (REPLICATION, SELECT on the tables)
# @param replication_password_verifier that user's SCRAM-SHA-256 verifier, not the password
#   itself (bin/pg-scram-verifier makes it; ingest-cdc's node gets the password): this node
#   never holds the password in clear
# @param cdc_hosts networks ingest-cdc connects from (pg_hba, scram-sha-256)
# @param max_replication_slots slots the server allows (one per ingest-cdc deployment, plus spare)
# @param listen_addresses the addresses the server listens on
# @param port the server's port
class profile::postgresql_source (
  String[1] $version,
  String[1] $database,
  Array[Pattern[/\A[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*\z/], 1] $tables,
  Pattern[/\A[a-z_][a-z0-9_]*\z/] $publication,
  Pattern[/\A[a-z_][a-z0-9_]*\z/] $replication_user,
  Sensitive[String[1]] $replication_password_verifier,
  Array[String[1], 1] $cdc_hosts,
  Integer[1] $max_replication_slots = 4,
  String[1] $listen_addresses = '*',
  Stdlib::Port $port = 5432,
) {
  include profile::base
  profile::refuse_placeholders('profile::postgresql_source', {
    'database'                      => $database,
    'replication_password_verifier' => $replication_password_verifier,
    'cdc_hosts'                     => $cdc_hosts,
  })
  unless $replication_password_verifier.unwrap =~ /\ASCRAM-SHA-256\$\d+:[A-Za-z0-9+\/=]+\$[A-Za-z0-9+\/=]+:[A-Za-z0-9+\/=]+\z/ {
    fail('profile::postgresql_source::replication_password_verifier is not a SCRAM-SHA-256 verifier: make one with bin/pg-scram-verifier')
  }
  class { 'postgresql::globals':
    version             => $version,
    manage_package_repo => false,
  }
  # The module's default status command asks systemd; without it, Debian's init script answers.
  $service_status = $profile::base::service_provider ? { 'debian' => '/usr/sbin/service postgresql status', default => undef }
  class { 'postgresql::server':
    listen_addresses => $listen_addresses,
    port             => $port,
    service_provider => $profile::base::service_provider,
    service_status   => $service_status,
  }
  postgresql::server::config_entry {
    'wal_level':             value => 'logical';
    'max_replication_slots': value => String($max_replication_slots);
    'max_wal_senders':       value => String($max_replication_slots + 2);
    'password_encryption':   value => 'scram-sha-256';
  }
  # The application's database: created only if the application has not yet.
  postgresql::server::database { $database:
    require => Class['postgresql::server'],
  }
  $user = $replication_user
  profile::psql { "role ${user}":
    database => 'postgres',
    port     => $port,
    command  => "CREATE ROLE ${user} LOGIN REPLICATION",
    unless   => "SELECT 1 FROM pg_roles WHERE rolname = '${user}'",
    require  => Class['postgresql::server'],
  }
  profile::psql { "role ${user} may log in and replicate":
    database => 'postgres',
    port     => $port,
    command  => "ALTER ROLE ${user} LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE",
    unless   => @("SQL"/L),
      SELECT 1 FROM pg_roles WHERE rolname = '${user}' AND rolcanlogin AND rolreplication \
      AND NOT (rolsuper OR rolcreatedb OR rolcreaterole)
      | SQL
    require  => Profile::Psql["role ${user}"],
  }
  # The module keeps md5 hashes only: the SCRAM verifier is set and compared here.
  profile::psql { "role ${user} password":
    database => 'postgres',
    port     => $port,
    command  => "DO \$\$ BEGIN EXECUTE format('ALTER ROLE %I PASSWORD %L', '${user}', current_setting('freshet.secret')); END \$\$",
    unless   => "SELECT 1 FROM pg_authid WHERE rolname = '${user}' AND rolpassword = current_setting('freshet.secret')",
    secret   => $replication_password_verifier,
    require  => Profile::Psql["role ${user}"],
  }
  profile::psql { "CONNECT on ${database} to ${user}":
    database => $database,
    port     => $port,
    command  => "GRANT CONNECT ON DATABASE ${database} TO ${user}",
    unless   => "SELECT 1 WHERE has_database_privilege('${user}', '${database}', 'CONNECT')",
    require  => [Postgresql::Server::Database[$database], Profile::Psql["role ${user}"]],
  }
  $table_list = $tables.join(', ')
  $granted = $tables.map |$t| { "has_table_privilege('${user}', '${t}', 'SELECT')" }.join(' AND ')
  profile::psql { "SELECT on captured tables to ${user}":
    database => $database,
    port     => $port,
    command  => "GRANT SELECT ON ${table_list} TO ${user}",
    unless   => "SELECT 1 WHERE ${granted}",
    require  => [Postgresql::Server::Database[$database], Profile::Psql["role ${user}"]],
  }
  $cdc_hosts.each |String $network| {
    postgresql::server::pg_hba_rule { "ingest-cdc from ${network}":
      type        => 'host',
      database    => $database,
      user        => $user,
      address     => $network,
      auth_method => 'scram-sha-256',
    }
    postgresql::server::pg_hba_rule { "ingest-cdc replication from ${network}":
      type        => 'host',
      database    => 'replication',
      user        => $user,
      address     => $network,
      auth_method => 'scram-sha-256',
    }
  }
  # The publication holds exactly the declared tables: created when missing, its table list set
  # when it differs (a table added to or removed from Hiera reaches the next run).
  $declared = $tables.sort.map |$t| { "'${t}'" }.join(', ')
  $published = @("SQL"/L)
    SELECT coalesce(array_agg((schemaname || '.' || tablename) COLLATE "C" ORDER BY (schemaname || '.' || tablename) COLLATE "C"), '{}') \
    FROM pg_publication_tables WHERE pubname = '${publication}'
    | SQL
  profile::psql { "publication ${publication}":
    database => $database,
    port     => $port,
    command  => "CREATE PUBLICATION ${publication} FOR TABLE ${table_list}",
    unless   => "SELECT 1 FROM pg_publication WHERE pubname = '${publication}'",
    require  => [Postgresql::Server::Database[$database], Postgresql::Server::Config_entry['wal_level']],
  }
  profile::psql { "publication ${publication} tables":
    database => $database,
    port     => $port,
    command  => "ALTER PUBLICATION ${publication} SET TABLE ${table_list}",
    unless   => "SELECT 1 WHERE (${published}) = ARRAY[${declared}]::text[]",
    require  => Profile::Psql["publication ${publication}"],
  }
}
