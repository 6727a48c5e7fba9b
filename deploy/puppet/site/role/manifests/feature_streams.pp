# @summary A node that runs the feature engine (add nodes to scale out: Kafka Streams spreads the partitions).
class role::feature_streams {
  include profile::base
  include profile::feature_streams
}
