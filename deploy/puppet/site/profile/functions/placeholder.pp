# @summary What kind of placeholder a Hiera value still holds, or undef when it holds none: the
#   committed examples mark every value a deployment must supply with CHANGE-ME, and a repository
#   key fingerprint with zeros. Looks inside Sensitive values, arrays and hashes.
# @param value the value to look at
# @return [Optional[String]] the placeholder's kind, never the value itself (it may be a secret)
function profile::placeholder(Any $value) >> Optional[String] {
  case $value {
    Sensitive: { profile::placeholder($value.unwrap) }
    String: {
      if $value =~ /CHANGE-ME/ {
        'CHANGE-ME'
      } elsif $value =~ /\A0{16,}\z/ {
        'all zeros'
      } else {
        undef
      }
    }
    Hash: { profile::placeholder($value.values) }
    Array: { $value.map |$v| { profile::placeholder($v) }.filter |$found| { $found =~ NotUndef }[0] }
    default: { undef }
  }
}
