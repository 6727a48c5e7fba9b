# @summary The ingest-cdc service: reads PostgreSQL's WAL (Debezium) into Kafka.
#
# @param settings its config keys beyond the shared ones (README "Configuration")
# @param heap JVM heap
# @param source_password the replication user's password (Sensitive; eyaml in Hiera)
class profile::ingest_cdc (
  Hash[String[1], Scalar] $settings = {},
  String[1] $heap = '512m',
  Sensitive[String] $source_password = Sensitive(''),
) {
  include profile::freshet
  profile::freshet::service { 'ingest-cdc':
    main_class => 'dev.freshet.ingest.IngestCdcService',
    settings   => $profile::freshet::kafka_settings + $settings,
    secrets    => $profile::freshet::kafka_secrets + { 'source.password' => $source_password },
    heap       => $heap,
  }
}
