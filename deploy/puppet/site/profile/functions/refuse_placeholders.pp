# @summary Fails the catalog when a class parameter still holds a committed placeholder (see
#   profile::placeholder), naming the Hiera key to set, so a node never runs with an example
#   password, cluster id or key.
# @param class_name the class whose parameters these are, e.g. profile::kafka_broker
# @param values parameter name to value
# @return [Boolean] true when none holds a placeholder
function profile::refuse_placeholders(String[1] $class_name, Hash[String[1], Any] $values) >> Boolean {
  $values.each |String $key, $value| {
    $found = profile::placeholder($value)
    if $found =~ NotUndef {
      fail("${class_name}::${key} is a placeholder (${found}): set the real value in Hiera (data/nodes, data/roles, or eyaml for secrets)")
    }
  }
  true
}
