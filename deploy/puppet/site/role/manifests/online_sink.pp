# @summary A node that runs the writer of the online store.
class role::online_sink {
  include profile::base
  include profile::online_sink
}
