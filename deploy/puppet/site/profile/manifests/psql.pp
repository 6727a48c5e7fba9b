# @summary One SQL statement, run by psql as the postgres user only while the database is not in
#   the state it brings about. An exec rather than the postgresql module's postgresql_psql, whose
#   provider reports a failed statement as a success under Puppet 7 (seen in the convergence test).
#
# @param database the database to run in
# @param port the server's port
# @param command the statement
# @param unless a query returning at least one row once the state holds (then nothing runs); it
#   is checked as `SELECT 1 / count(*)`, so an unmet state shows in the server log as a division by zero
# @param secret a value the statements read as current_setting('freshet.secret') (passed in
#   PGOPTIONS, never on a command line; no spaces)
define profile::psql (
  String[1] $database,
  Stdlib::Port $port,
  String[1] $command,
  String[1] $unless,
  Optional[Sensitive[String[1]]] $secret = undef,
) {
  $psql = ['/usr/bin/psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-p', String($port), '-d', $database]
  $environment = $secret ? { undef => [], default => ["PGOPTIONS=-c freshet.secret=${secret.unwrap}"] }
  exec { "psql ${title}":
    command     => $psql + ['-c', $command],
    unless      => [$psql + ['-c', "SELECT 1 / count(*) FROM (${unless}) AS state_holds"]],
    environment => $environment,
    user        => 'postgres',
    cwd         => '/',
    logoutput   => 'on_failure',
  }
}
