# rspec-puppet: compiles each role's catalog with this control repo's Hiera data under a layer of
# what a deployment supplies (spec/fixtures/hiera.yaml) and realistic facts (Debian 11 from
# facterdb, the newest it has), as a node with that role would get it.
require 'rspec-puppet'
require 'facterdb'

REPO = File.expand_path('..', __dir__)

# Facter 4 facts of a Debian 11 amd64 host, with this node's name.
def debian_facts(certname)
  facts = FacterDB.get_facts(operatingsystem: 'Debian', operatingsystemmajrelease: '11', facterversion: '4.2.5').first
  raise 'facterdb has no Debian 11 facts' if facts.nil?
  facts.merge(fqdn: certname, hostname: certname.split('.').first, networking: facts[:networking].merge('fqdn' => certname))
end

RSpec.configure do |c|
  c.module_path = ["#{REPO}/site", '/usr/share/puppet/modules'].join(':')
  c.manifest = "#{REPO}/manifests/site.pp"
  c.hiera_config = "#{REPO}/spec/fixtures/hiera.yaml"
  c.strict_variables = true
end
