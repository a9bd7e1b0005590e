import Cluster
import Foundation
import Model
import Testing

@testable import Node

@Suite struct ConfigurationPrecedenceTests {
    @Test func nothingSetGivesTheDefaults() throws {
        let configuration = try loadConfiguration(nil)
        #expect(configuration == MurmurConfiguration())
        #expect(configuration.gossip.bind == Endpoint(host: "127.0.0.1", port: 7946))
        #expect(configuration.node.models == [.miniLM])
        #expect(configuration.node.modelDirectory == ".models/all-MiniLM-L6-v2")
        #expect(configuration.admin.token == nil)
    }

    @Test func eachLayerBeatsTheOneBelow() throws {
        let file = "[gossip]\nbind = \"127.0.0.1:1001\"\n"
        let environment = ["MURMUR_GOSSIP_BIND": "127.0.0.1:1002"]
        let overrides = ["gossip.bind": "127.0.0.1:1003"]
        #expect(try loadConfiguration(nil).gossip.bind.port == 7946)
        #expect(try loadConfiguration(file).gossip.bind.port == 1001)
        #expect(try loadConfiguration(file, environment: environment).gossip.bind.port == 1002)
        #expect(try loadConfiguration(nil, environment: environment).gossip.bind.port == 1002)
        #expect(try loadConfiguration(file, environment: environment, overrides: overrides).gossip.bind.port == 1003)
        #expect(try loadConfiguration(nil, overrides: overrides).gossip.bind.port == 1003)
    }

    @Test func layersMergeKeyByKey() throws {
        let configuration = try loadConfiguration(
            "[gossip]\nprobe_interval = \"2s\"\ngossip_fanout = 5\n",
            environment: ["MURMUR_GOSSIP_GOSSIP_FANOUT": "6", "MURMUR_NODE_THREADS": "4"],
            overrides: ["node.http": "0.0.0.0:9100"])
        #expect(configuration.gossip.probeInterval == .seconds(2))
        #expect(configuration.gossip.gossipFanout == 6)
        #expect(configuration.node.threads == 4)
        #expect(configuration.node.http == Endpoint(host: "0.0.0.0", port: 9100))
        #expect(configuration.gossip.probeTimeout == .milliseconds(500))
    }

    @Test func environmentListsAreCommaSeparated() throws {
        let key16 = Data(repeating: 1, count: 16).base64EncodedString()
        let key32 = Data(repeating: 2, count: 32).base64EncodedString()
        let configuration = try loadConfiguration(
            "[cluster]\nseeds = [\"10.9.9.9:1\"]\n",
            environment: [
                "MURMUR_CLUSTER_SEEDS": " 10.0.0.1:7946, [::1]:7947,,",
                "MURMUR_NODE_MODELS": "synthetic,all-MiniLM-L6-v2",
                "MURMUR_CLUSTER_GOSSIP_KEYS": "\(key16),\(key32)",
            ])
        #expect(
            configuration.cluster.seeds == [Endpoint(host: "10.0.0.1", port: 7946), Endpoint(host: "::1", port: 7947)])
        #expect(configuration.node.models == [.synthetic, .miniLM])
        #expect(configuration.cluster.gossipKeys == [key16, key32])
        #expect(try configuration.cluster.keyring().count == 2)
        #expect(
            try loadConfiguration("[cluster]\nseeds = [\"10.9.9.9:1\"]\n", environment: ["MURMUR_CLUSTER_SEEDS": ""])
                .cluster.seeds == [])
    }

    @Test func flagListsAreCommaSeparated() throws {
        let configuration = try loadConfiguration(
            nil, overrides: ["cluster.seeds": "127.0.0.1:7946,127.0.0.1:7947", "node.models": "synthetic"])
        #expect(configuration.cluster.seeds.map(\.port) == [7946, 7947])
        #expect(configuration.node.models == [.synthetic])
    }

    @Test func configFileComesFromTheFlagElseMurmurConfig() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let flagged = try directory.write("flag.conf", Array("[node]\nthreads = 3\n".utf8))
        let fromEnvironment = try directory.write("env.conf", Array("[node]\nthreads = 5\n".utf8))
        let environment = ["MURMUR_CONFIG": fromEnvironment]
        #expect(try ConfigurationLoader.load(file: flagged, environment: environment, overrides: [:]).node.threads == 3)
        #expect(try ConfigurationLoader.load(file: nil, environment: environment, overrides: [:]).node.threads == 5)
        #expect(try ConfigurationLoader.load(file: nil, environment: [:], overrides: [:]) == MurmurConfiguration())
    }

    @Test func modelDirectoryFallsBackToMurmurModelDir() throws {
        let environment = ["MURMUR_MODEL_DIR": "/models/from-env"]
        #expect(try loadConfiguration(nil, environment: environment).node.modelDirectory == "/models/from-env")
        #expect(
            try loadConfiguration("[node]\nmodel_dir = \"\"\n", environment: environment).node.modelDirectory
                == "/models/from-env")
        #expect(
            try loadConfiguration("[node]\nmodel_dir = \"m\"\n", environment: environment).node.modelDirectory == "m")
        let both = environment.merging(["MURMUR_NODE_MODEL_DIR": "n"]) { $1 }
        #expect(try loadConfiguration("[node]\nmodel_dir = \"m\"\n", environment: both).node.modelDirectory == "n")
    }

    @Test func nonKeyAndForeignVariablesAreIgnored() throws {
        let environment = [
            "MURMUR_MODEL_DIR": "/m", "MURMUR_CONFIG": "", "MURMUR_BIN": "/usr/bin/murmur",
            "MURMUR_RUN_DIR": ".murmur", "MURMUR_GOSSIP": "x", "HOME": "/root",
        ]
        var expected = MurmurConfiguration()
        expected.node.modelDirectory = "/m"
        #expect(try loadConfiguration(nil, environment: environment) == expected)
    }

    @Test func valuesMapOntoTheRuntimeTypes() throws {
        let configuration = try loadConfiguration(
            """
            [gossip]
            probe_interval = "2s"
            probe_timeout = "300ms"
            indirect_checks = 0
            suspicion_multiplier = 2
            dead_member_retention = "1h"
            [node]
            threads = 0
            max_batch_tokens = 4096
            max_wait = "5ms"
            synthetic_latency_ms = 25
            [gateway]
            tls_listen = "[::1]:8443"
            tls_cert = "cert.pem"
            tls_key = "key.pem"
            load_factor = 2
            """)
        let swim = configuration.gossip.swimSettings()
        #expect(swim.probeInterval == .seconds(2))
        #expect(swim.probeTimeout == .milliseconds(300))
        #expect(swim.indirectProbeCount == 0)
        #expect(swim.suspicionMultiplier == 2)
        #expect(swim.deadMemberRetention == .seconds(3600))
        #expect(configuration.node.threads == nil)
        #expect(
            configuration.node.batching == BatchFormer.Configuration(maxBatchTokens: 4096, maxWait: .milliseconds(5)))
        #expect(configuration.node.syntheticLatency == .milliseconds(25))
        #expect(configuration.gateway.tlsListen == Endpoint(host: "::1", port: 8443))
        #expect(configuration.gateway.tlsCertificatePath == "cert.pem")
        #expect(configuration.gateway.loadFactor == 2)
    }

    @Test func addressesAcceptIPv6AndEmptyMeansUnset() throws {
        let configuration = try loadConfiguration(
            "[gossip]\nbind = \"[::]:0\"\nadvertise = \"[fd00::1]:7946\"\n[gateway]\ntls_listen = \"\"\n")
        #expect(configuration.gossip.bind == Endpoint(host: "::", port: 0))
        #expect(configuration.gossip.advertisedAddress == Endpoint(host: "fd00::1", port: 7946))
        #expect(configuration.gateway.tlsListen == nil)
        let unset = try loadConfiguration("[gossip]\nbind = \"10.1.2.3:7000\"\nadvertise = \"\"\n")
        #expect(unset.gossip.advertise == nil)
        #expect(unset.gossip.advertisedAddress == Endpoint(host: "10.1.2.3", port: 7000))
        #expect(
            configurationError("[gossip]\nadvertise = \"10.0.0.1:0\"\n")
                == "cluster.conf:2: gossip.advertise: '10.0.0.1:0' has port 0, which nobody can reach; give the real port"
        )
    }

    @Test func defaultsMatchTheRuntimeDefaults() {
        let configuration = MurmurConfiguration()
        #expect(configuration.gossip.swimSettings() == SWIMSettings())
        #expect(configuration.node.batching == BatchFormer.Configuration())
    }

    @Test func memberNamesDeriveFromTheGossipPort() throws {
        let configuration = try loadConfiguration(nil, overrides: ["gossip.bind": "127.0.0.1:7950"])
        #expect(configuration.nodeName() == "node-7950")
        #expect(configuration.gatewayName() == "gateway-7950")
        #expect(configuration.nodeName(gossipPort: 40000) == "node-40000")
        let named = try loadConfiguration(nil, overrides: ["node.name": "alpha", "gateway.name": "front"])
        #expect(named.nodeName() == "alpha")
        #expect(named.gatewayName(gossipPort: 1) == "front")
    }

    @Test func secretsStayOutOfDescriptions() throws {
        let key = Data(repeating: 7, count: 32).base64EncodedString()
        let configuration = try loadConfiguration(
            nil, environment: ["MURMUR_CLUSTER_GOSSIP_KEYS": key, "MURMUR_ADMIN_TOKEN": "s3cr3t-token"])
        #expect(configuration.admin.token == "s3cr3t-token")
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in [String(describing: configuration), String(reflecting: configuration), dumped] {
            #expect(!text.contains(key))
            #expect(!text.contains("s3cr3t-token"))
        }
    }
}
