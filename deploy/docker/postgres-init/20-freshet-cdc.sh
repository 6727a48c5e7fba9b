#!/usr/bin/env bash
# Run once by the postgres image when its data directory is new (after 10-app-schema.sql has made
# the application's tables): the least-privileged user ingest-cdc connects as, as Puppet's
# profile::postgresql_source makes it: LOGIN REPLICATION, CONNECT, SELECT on the captured tables,
# and the publication of exactly those tables (so ingest-cdc needs no right to create one).
set -euo pipefail
psql -v ON_ERROR_STOP=1 -v cdc_password="${FRESHET_CDC_PASSWORD:?set FRESHET_CDC_PASSWORD}" \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
SET password_encryption = 'scram-sha-256';
CREATE ROLE freshet_cdc LOGIN REPLICATION PASSWORD :'cdc_password';
SELECT format('GRANT CONNECT ON DATABASE %I TO freshet_cdc', current_database()) \gexec
GRANT SELECT ON public.users, public.events TO freshet_cdc;
CREATE PUBLICATION freshet FOR TABLE public.users, public.events;
SQL
