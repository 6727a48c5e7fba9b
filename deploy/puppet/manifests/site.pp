# A node gets the role named by its trusted certificate extension pp_role (set when the agent's
# certificate is requested), e.g. pp_role=serving -> role::serving. No role, no catalog.
node default {
  $role = $trusted['extensions']['pp_role']
  if $role =~ String[1] {
    include "role::${role}"
  } else {
    fail("node ${trusted['certname']} has no pp_role certificate extension: which role should it run?")
  }
}
