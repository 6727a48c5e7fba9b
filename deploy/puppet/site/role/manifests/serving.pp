# @summary A node that runs the HTTP API and generator (add nodes behind a load balancer).
class role::serving {
  include profile::base
  include profile::serving
}
