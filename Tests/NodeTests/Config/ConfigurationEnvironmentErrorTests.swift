import Testing

@testable import Node

@Suite struct ConfigurationEnvironmentErrorTests {
    @Test func unknownVariablesInOurSectionsAreErrors() {
        #expect(
            configurationError(nil, environment: ["MURMUR_GOSSIP_PROBE_INTERVL": "1s"])
                == "MURMUR_GOSSIP_PROBE_INTERVL: no configuration key gossip.probe_intervl in [gossip]; did you mean "
                + "MURMUR_GOSSIP_PROBE_INTERVAL?")
        #expect(
            configurationError(nil, environment: ["MURMUR_ADMIN_PASSWORD": "x"])
                == "MURMUR_ADMIN_PASSWORD: no configuration key admin.password in [admin]")
    }

    @Test func badValuesNameTheVariable() {
        #expect(
            configurationError(nil, environment: ["MURMUR_GOSSIP_PROBE_INTERVAL": "5"])
                == "MURMUR_GOSSIP_PROBE_INTERVAL: gossip.probe_interval: \"5\" has no unit; write a duration with a "
                + "unit, like \"500ms\", \"1s\", \"2m\" or \"24h\"")
        #expect(
            configurationError(nil, environment: ["MURMUR_NODE_THREADS": "four"])
                == "MURMUR_NODE_THREADS: node.threads: must be an integer, got \"four\"")
        #expect(
            configurationError(nil, environment: ["MURMUR_GATEWAY_LOAD_FACTOR": "nan"])
                == "MURMUR_GATEWAY_LOAD_FACTOR: gateway.load_factor: must be a number, got \"nan\"")
        #expect(
            configurationError(nil, environment: ["MURMUR_CLUSTER_SEEDS": "10.0.0.1:1,10.0.0.2"])
                == "MURMUR_CLUSTER_SEEDS: cluster.seeds: entry 2: '10.0.0.2' has no port; write host:port, for example "
                + "127.0.0.1:7946")
    }

    @Test func layersAreCheckedFromTheFileUp() {
        #expect(
            configurationError(
                "[gossip]\nindirect_checks = 99\n", environment: ["MURMUR_NODE_THREADS": "x"],
                overrides: ["gossip.bind": "nope"])
                == "cluster.conf:2: gossip.indirect_checks: must be from 0 to 16, got 99")
        #expect(
            configurationError(nil, environment: ["MURMUR_NODE_THREADS": "x"], overrides: ["gossip.bind": "nope"])
                == "MURMUR_NODE_THREADS: node.threads: must be an integer, got \"x\"")
    }

    @Test func badFlagsNameTheFlag() {
        #expect(
            configurationError(nil, overrides: ["gossip.bind": "nope"])
                == "--gossip: gossip.bind: 'nope' has no port; write host:port, for example 127.0.0.1:7946")
        #expect(
            configurationError(nil, overrides: ["node.models": "synthetic,bert"])
                == "--model: node.models: unknown model \"bert\" (known: all-MiniLM-L6-v2, synthetic)")
        #expect(
            configurationError(nil, overrides: ["node.drain_timeout": "forever"])
                == "--drain-timeout: node.drain_timeout: expected a duration with a unit, like \"500ms\", \"1s\", "
                + "\"2m\" or \"24h\", got \"forever\"")
        #expect(
            configurationError(nil, overrides: ["node.colour": "red"]) == "--colour: no configuration key node.colour")
    }
}
