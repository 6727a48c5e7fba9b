require 'spec_helper'

# Every role compiles from site.pp for a node carrying it, with the repo's Hiera data (under the
# values a deployment supplies), and holds the resources and order that make it work; with the
# repo's data alone, its placeholders are refused by name.
describe 'node classification', type: :host do
  def self.role(name, certname, &extra)
    context "role #{name}" do
      let(:node) { certname }
      let(:facts) { debian_facts(certname) }
      let(:trusted_facts) { { 'pp_role' => name } }
      it { is_expected.to compile.with_all_deps }
      it { is_expected.to contain_class("role::#{name}") }
      it { is_expected.to contain_class('profile::base') }
      it { is_expected.to contain_user('freshet').with_system(true) }
      it { is_expected.to contain_service('chrony').with_ensure('running') }
      it { is_expected.to contain_file('/etc/sysctl.d/60-freshet-vm.max_map_count.conf').that_notifies('Exec[sysctl vm.max_map_count]') }
      instance_eval(&extra) if extra
    end
  end

  # The five Freshet services share one shape: release, config, unit, service.
  def self.freshet_service(name, service, main_class, &extra)
    role(name, "#{service}-1.example.invalid") do
      it { is_expected.to contain_profile__freshet__service(service).with_main_class(main_class) }
      it { is_expected.to contain_file("/etc/freshet/#{service}.properties").with(mode: '0640', show_diff: false, group: 'freshet') }
      it { is_expected.to contain_file("/etc/freshet/#{service}.properties").with_content(/^kafka\.bootstrap-servers=kafka-1\.example\.invalid:9092,/) }
      it { is_expected.to contain_file("/opt/freshet/#{service}/freshet-#{service}-0.1.0.tar.gz").with(checksum: 'sha256', checksum_value: /\A[0-9a-f]{64}\z/) }
      it { is_expected.to contain_exec("unpack freshet-#{service} 0.1.0").with_unless([['/bin/grep', '-qx', /\A\h{64}\z/, "/opt/freshet/#{service}/0.1.0/.release-sha256"]]).that_requires("File[/opt/freshet/#{service}/freshet-#{service}-0.1.0.tar.gz]") }
      it { is_expected.to contain_file("/opt/freshet/#{service}/current").with(ensure: 'link', target: "/opt/freshet/#{service}/0.1.0") }
      it { is_expected.to contain_systemd__unit_file("freshet-#{service}.service").with_content(/^Environment=FRESHET_CONFIG=\/etc\/freshet\/#{service}\.properties$/) }
      it { is_expected.to contain_systemd__unit_file("freshet-#{service}.service").with_content(/ #{Regexp.escape(main_class)}$/) }
      it { is_expected.to contain_systemd__unit_file("freshet-#{service}.service").with_content(/^LimitNOFILE=100000$/) }
      it { is_expected.to contain_file("/var/lib/freshet/#{service}").with(ensure: 'directory', owner: 'freshet') }
      it do
        is_expected.to contain_service("freshet-#{service}").with(ensure: 'running', enable: true, provider: 'systemd')
          .that_subscribes_to("File[/etc/freshet/#{service}.properties]")
          .that_subscribes_to("Systemd::Unit_file[freshet-#{service}.service]")
          .that_subscribes_to("File[/opt/freshet/#{service}/current]")
          .that_subscribes_to("Exec[unpack freshet-#{service} 0.1.0]")
      end
      instance_eval(&extra) if extra
    end
  end

  freshet_service('ingest_cdc', 'ingest-cdc', 'dev.freshet.ingest.IngestCdcService') do
    it { is_expected.to contain_file('/etc/freshet/ingest-cdc.properties').with_content(/^source\.password=rspec-cdc-password$/) }
    it { is_expected.to contain_file('/etc/freshet/ingest-cdc.properties').with_content(/^source\.database=shop$/) }
    it { is_expected.to contain_exec('kafka topics').that_comes_before('Service[freshet-ingest-cdc]').that_requires('File[/etc/freshet/topics.json]') }
    it do
      topics = JSON.parse(catalogue.resource('File', '/etc/freshet/topics.json')[:content])['topics']
      expect(topics['freshet.features.user']['config']).to include('cleanup.policy' => 'delete')
      expect(topics['freshet.public.events']['config']).to include('cleanup.policy' => 'compact')
    end
  end
  freshet_service('feature_streams', 'feature-streams', 'dev.freshet.features.FeatureStreamsService') do
    it { is_expected.to contain_file('/etc/freshet/feature-streams.properties').with_content(/^streams\.state-dir=\/var\/lib\/freshet\/feature-streams\/state$/) }
    it { is_expected.to contain_systemd__unit_file('freshet-feature-streams.service').with_content(/-XX:\+UseZGC/) }
  end
  freshet_service('online_sink', 'online-sink', 'dev.freshet.online.OnlineSinkService') do
    it { is_expected.to contain_file('/etc/freshet/online-sink.properties').with_content(/^cql\.contact-points=scylla-1\.example\.invalid:9042,/) }
    it { is_expected.to contain_file('/etc/freshet/online-sink.properties').without_content(/password/) }
  end
  freshet_service('offline_sink', 'offline-sink', 'dev.freshet.offline.OfflineSinkService')
  freshet_service('serving', 'serving', 'dev.freshet.serving.ServingService') do
    it { is_expected.to contain_systemd__unit_file('freshet-serving.service').with_content(/-Dai\.djl\.pytorch\.num_threads=1/) }
    it { is_expected.to contain_file('/etc/freshet/serving.properties').with_content(/^http\.host=10\.0\.1\.21$/) }
    it { is_expected.to contain_file('/etc/freshet/serving.properties').with_content(/^generator\.models-root=\/var\/lib\/freshet\/serving\/models$/) }
    it { is_expected.to contain_file('/etc/freshet/serving.properties').without_content(/0\.0\.0\.0/) }
    it { is_expected.to contain_file('/etc/freshet/serving.properties').with_content(/^auth\.keys-file=\/etc\/freshet\/serving-api-keys\.json$/) }
    it { is_expected.to contain_file('/etc/freshet/serving-api-keys.json').with(mode: '0640', group: 'freshet', show_diff: false) }
    it { is_expected.to contain_file('/etc/freshet/serving.properties').with_content(/^kafka\.security\.protocol=SASL_SSL$/) }
    it { is_expected.to contain_file('/etc/freshet/serving.properties').with_content(/^kafka\.sasl\.password=rspec-kafka-password$/) }
    it { is_expected.to contain_file('/etc/freshet/serving.properties').with_content(/^cql\.ssl\.truststore=\/etc\/freshet\/tls\/scylla-ca\.pem$/) }
    it { is_expected.to contain_file('/etc/freshet/serving.properties').with_content(/^cql\.password=rspec-cql-password$/) }
    it do
      # Sensitive content: compare what it unwraps to; the service re-reads it, so no restart on a rotation.
      content = catalogue.resource('File', '/etc/freshet/serving-api-keys.json')[:content]
      keys = JSON.parse(content.respond_to?(:unwrap) ? content.unwrap : content)['keys']
      expect(keys.map { |k| k['id'] }).to eq(['recs-app', 'ops-admin'])
      expect(keys.first['hash']).to start_with('$2y$10$')
      expect(catalogue.resource('Service', 'freshet-serving')[:subscribe].map(&:to_s)).not_to include('File[/etc/freshet/serving-api-keys.json]')
    end
  end

  role('postgresql_source', 'pg-1.example.invalid') do
    it { is_expected.to contain_class('postgresql::server') }
    it { is_expected.to contain_postgresql__server__config_entry('wal_level').with_value('logical') }
    it { is_expected.to contain_profile__psql('role freshet_cdc may log in and replicate').with_command(/LOGIN REPLICATION NOSUPERUSER/) }
    it { is_expected.to contain_profile__psql('SELECT on captured tables to freshet_cdc').with_unless(/has_table_privilege\('freshet_cdc', 'public.events', 'SELECT'\)/) }
    it { is_expected.to contain_postgresql__server__pg_hba_rule('ingest-cdc replication from 10.0.0.0/8').with(database: 'replication', auth_method: 'scram-sha-256') }
    it { is_expected.to contain_postgresql__server__config_entry('password_encryption').with_value('scram-sha-256') }
    it do
      # The verifier reaches psql in its environment only, and the check compares the stored one.
      exec = catalogue.resource('Exec', 'psql role freshet_cdc password')
      expect(exec[:environment]).to match([/\APGOPTIONS=-c freshet\.secret=SCRAM-SHA-256\$4096:/])
      expect(exec[:unless].first.last).to match(/rolpassword = current_setting\('freshet\.secret'\)\) AS state_holds\z/)
      expect(exec[:command].join(' ')).not_to include('SCRAM')
    end
    it do
      is_expected.to contain_profile__psql('publication freshet')
        .with_command('CREATE PUBLICATION freshet FOR TABLE public.users, public.events')
        .with_unless("SELECT 1 FROM pg_publication WHERE pubname = 'freshet'")
        .that_requires('Postgresql::Server::Database[shop]')
    end
    it do
      is_expected.to contain_profile__psql('publication freshet tables')
        .with_command('ALTER PUBLICATION freshet SET TABLE public.users, public.events')
        .with_unless(/= ARRAY\['public\.events', 'public\.users'\]::text\[\]\z/)
        .that_requires('Profile::Psql[publication freshet]')
    end
    it do
      is_expected.to contain_exec('psql publication freshet').with_user('postgres')
      expect(catalogue.resource('Exec', 'psql publication freshet')[:command]).to include('ON_ERROR_STOP=1')
    end
  end

  role('kafka_broker', 'kafka-1.example.invalid') do
    it { is_expected.to contain_file('/etc/kafka/server.properties').with_content(/^node\.id=1$/).with_content(/^process\.roles=broker,controller$/) }
    it { is_expected.to contain_exec('format kafka storage').with_creates('/var/lib/kafka/data/meta.properties').that_requires('Exec[unpack kafka 4.1.0]') }
    it { is_expected.to contain_service('kafka').that_subscribes_to('File[/etc/kafka/server.properties]').that_requires('Exec[format kafka storage]') }
    it { is_expected.not_to contain_exec('kafka topics') }
  end

  role('scylla_node', 'scylla-1.example.invalid') do
    it { is_expected.to contain_apt__source('scylla') }
    it { is_expected.to contain_package('scylla').that_requires('Apt::Source[scylla]') }
    it { is_expected.to contain_file('/etc/scylla/scylla.yaml').with_content(/seeds: "scylla-1\.example\.invalid,scylla-2\.example\.invalid"/).that_requires('Package[scylla]') }
    it { is_expected.to contain_service('scylla-server').that_subscribes_to('File[/etc/scylla/scylla.yaml]') }
    it { is_expected.to contain_exec('scylla io setup').with_creates('/etc/scylla.d/io_properties.yaml').that_comes_before('Service[scylla-server]') }
    it { is_expected.to contain_exec('keyspace feature_store').with_unless(/DESCRIBE KEYSPACE feature_store/).that_requires('Service[scylla-server]') }
  end

  # The committed data alone: every CHANGE-ME (or zero fingerprint) stops the catalog, naming its key
  # and never showing the value.
  {
    'ingest_cdc' => ['ingest-cdc-1.example.invalid', 'profile::freshet::release_checksums'],
    'postgresql_source' => ['pg-1.example.invalid', 'profile::postgresql_source::replication_password_verifier'],
    'kafka_broker' => ['kafka-1.example.invalid', 'profile::kafka_broker::cluster_id'],
    'scylla_node' => ['scylla-1.example.invalid', 'profile::scylla_node::repo_key_id'],
  }.each do |role, (certname, key)|
    context "role #{role} with a placeholder left in Hiera" do
      let(:hiera_config) { "#{REPO}/hiera.yaml" }
      let(:node) { certname }
      let(:facts) { debian_facts(certname) }
      let(:trusted_facts) { { 'pp_role' => role } }
      it { is_expected.to compile.and_raise_error(/#{Regexp.escape(key)} is a placeholder \((CHANGE-ME|all zeros)\): set the real value in Hiera/) }
    end
  end
  context 'a node without a role' do
    let(:node) { 'stray.example.invalid' }
    let(:facts) { debian_facts('stray.example.invalid') }
    it { is_expected.to compile.and_raise_error(/has no pp_role/) }
  end
end
