# @summary A node that runs a Kafka broker (KRaft; three for a cluster).
class role::kafka_broker {
  include profile::base
  include profile::kafka_broker
}
