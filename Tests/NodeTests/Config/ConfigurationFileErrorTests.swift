import Foundation
import Testing

@testable import Node

@Suite struct ConfigurationFileErrorTests {
    @Test func syntaxErrorsNameTheirLine() {
        let message = configurationError("[gossip]\nbind = \"127.0.0.1:1\"\nprobe_interval = \n")
        #expect(message.hasPrefix("cluster.conf:3: "))
    }

    @Test func unknownSectionSuggestsTheClosest() {
        #expect(
            configurationError("# comment\n[gosip]\nbind = \"127.0.0.1:1\"\n")
                == "cluster.conf:2: unknown section [gosip] (sections are [cluster], [gossip], [node], [gateway], "
                + "[admin]); did you mean [gossip]?")
        #expect(
            configurationError("\n[metrics]\n")
                == "cluster.conf:2: unknown section [metrics] (sections are [cluster], [gossip], [node], [gateway], "
                + "[admin])")
    }

    @Test func keyOutsideAnySectionSaysWhereItBelongs() {
        #expect(
            configurationError("probe_interval = \"1s\"\n")
                == "cluster.conf:1: probe_interval is outside any section; put it under [gossip]")
        #expect(
            configurationError("\nname = \"x\"\n")
                == "cluster.conf:2: name is outside any section; put it under [cluster] or [node] or [gateway]")
    }

    @Test func sectionMustBeATable() {
        #expect(
            configurationError("gossip = 3\n") == "cluster.conf:1: gossip must be a section ([gossip]), not an integer")
    }

    @Test func unknownKeySuggestsTheClosest() {
        #expect(
            configurationError("[gossip]\nbind = \"127.0.0.1:1\"\n\nprobe_intervl = \"1s\"\n")
                == "cluster.conf:4: unknown key probe_intervl in [gossip]; did you mean probe_interval?")
        #expect(
            configurationError("[gateway]\nhealth_check_fast_intervall = \"1s\"\n")
                == "cluster.conf:2: unknown key health_check_fast_intervall in [gateway]; did you mean "
                + "health_check_fast_interval?")
        #expect(
            configurationError("[gossip]\nseeds = []\n")
                == "cluster.conf:2: unknown key seeds in [gossip]; it belongs in [cluster]")
        #expect(configurationError("[admin]\ncolour = 1\n") == "cluster.conf:2: unknown key colour in [admin]")
        #expect(
            configurationError("[gossip.extra]\nx = 1\n")
                == "cluster.conf:1: unknown key extra in [gossip]")
    }

    @Test func wrongTypesNameTheKeyAndBothTypes() {
        #expect(
            configurationError("[gossip]\nindirect_checks = \"3\"\n")
                == "cluster.conf:2: gossip.indirect_checks: must be an integer, not a string")
        #expect(
            configurationError("[node]\nthreads = true\n")
                == "cluster.conf:2: node.threads: must be an integer, not a boolean")
        #expect(
            configurationError("[node]\nthreads = 1.5\n")
                == "cluster.conf:2: node.threads: must be an integer, not a float")
        #expect(
            configurationError("[gossip]\nprobe_interval = 1\n")
                == "cluster.conf:2: gossip.probe_interval: must be a duration string with a unit, like \"500ms\" "
                + "or \"2s\", not an integer")
        #expect(
            configurationError("[cluster]\nseeds = \"127.0.0.1:7946\"\n")
                == "cluster.conf:2: cluster.seeds: must be an array of strings, like [\"a\", \"b\"], not a single "
                + "string")
        #expect(
            configurationError("[cluster]\nseeds = [\"127.0.0.1:7946\", 7947]\n")
                == "cluster.conf:2: cluster.seeds: entry 2 must be a string, not an integer")
        #expect(
            configurationError("[gateway]\nlisten = { host = \"x\" }\n")
                == "cluster.conf:2: gateway.listen: must be a string, not a table")
        #expect(
            configurationError("[gateway]\nload_factor = 1979-05-27\n")
                == "cluster.conf:2: gateway.load_factor: must be a number, not a date")
    }

    @Test func outOfRangeValuesNameTheRange() {
        #expect(
            configurationError("[gossip]\ngossip_fanout = 0\n")
                == "cluster.conf:2: gossip.gossip_fanout: must be from 1 to 16, got 0")
        #expect(
            configurationError("[gateway]\nrise = 0\n") == "cluster.conf:2: gateway.rise: must be from 1 to 100, got 0")
        #expect(
            configurationError("[gateway]\nfall = 0\n") == "cluster.conf:2: gateway.fall: must be from 1 to 100, got 0")
        #expect(
            configurationError("[gateway]\nload_factor = 1.0\n")
                == "cluster.conf:2: gateway.load_factor: must be a number above 1.0 and at most 100.0, got 1.0")
        #expect(
            configurationError("[gossip]\nprobe_interval = \"2h\"\n")
                == "cluster.conf:2: gossip.probe_interval: must be from 10ms to 1m, got \"2h\"")
        #expect(
            configurationError("[gossip]\nprobe_interval = \"fast\"\n")
                == "cluster.conf:2: gossip.probe_interval: expected a duration with a unit, like \"500ms\", \"1s\", "
                + "\"2m\" or \"24h\", got \"fast\"")
        #expect(
            configurationError("[gossip]\nprobe_interval = \"1sec\"\n")
                == "cluster.conf:2: gossip.probe_interval: \"1sec\" has unknown unit \"sec\"; use ns, us, ms, s, m "
                + "or h, like \"500ms\" or \"2m\"")
        #expect(
            configurationError("[gossip]\nsuspicion_multiplier = 0.25\n")
                == "cluster.conf:2: gossip.suspicion_multiplier: must be a number from 0.5 to 32.0, got 0.25")
        #expect(
            configurationError("[node]\nsynthetic_latency_ms = -1\n")
                == "cluster.conf:2: node.synthetic_latency_ms: must be from 0 to 60000, got -1")
    }

    @Test func addressesAreCheckedWithTheirEntry() {
        #expect(
            configurationError("[gossip]\nbind = \"localhost\"\n")
                == "cluster.conf:2: gossip.bind: 'localhost' has no port; write host:port, for example 127.0.0.1:7946")
        #expect(
            configurationError("[cluster]\nseeds = [\n  \"127.0.0.1:7946\",\n  \"::1:7946\",\n]\n")
                == "cluster.conf:2: cluster.seeds: entry 2: '::1:7946' looks like an IPv6 address; put it in brackets: "
                + "[::1]:7946")
        #expect(
            configurationError("[cluster]\nseeds = [\"127.0.0.1:0\"]\n")
                == "cluster.conf:2: cluster.seeds: entry 1: '127.0.0.1:0' has port 0, which nobody can reach; give the "
                + "real port")
        #expect(
            configurationError("[gossip]\nadvertise = \"10.0.0.1:99999\"\n")
                == "cluster.conf:2: gossip.advertise: '10.0.0.1:99999' has port '99999'; a port is a number from 0 "
                + "to 65535")
    }

    @Test func modelsMustBeKnownAndDistinct() {
        #expect(
            configurationError("[node]\nmodels = [\"all-minilm-l6-v2\"]\n")
                == "cluster.conf:2: node.models: unknown model \"all-minilm-l6-v2\" (known: all-MiniLM-L6-v2, "
                + "synthetic); did you mean \"all-MiniLM-L6-v2\"?")
        #expect(
            configurationError("[node]\nmodels = [\"synthetic\", \"synthetic\"]\n")
                == "cluster.conf:2: node.models: lists \"synthetic\" twice")
        #expect(
            configurationError("[node]\nmodels = []\n")
                == "cluster.conf:2: node.models: must name at least one model (all-MiniLM-L6-v2, synthetic)")
        #expect(
            configurationError(nil, environment: ["MURMUR_NODE_MODELS": "gpt"])
                == "MURMUR_NODE_MODELS: node.models: unknown model \"gpt\" (known: all-MiniLM-L6-v2, synthetic)")
    }

    @Test func namesAreChecked() {
        #expect(
            configurationError("[node]\nname = \"my node\"\n")
                == "cluster.conf:2: node.name: \"my node\" must not contain spaces or control characters")
        #expect(
            configurationError("[cluster]\nname = \"\"\n")
                == "cluster.conf:2: cluster.name: must not be empty; it names the cluster and labels its gossip")
        let long = String(repeating: "n", count: 129)
        #expect(
            configurationError(nil, overrides: ["gateway.name": long])
                == "--name: gateway.name: is 129 bytes; at most 128 are allowed")
    }

    @Test func secretsNeverAppearInErrors() {
        let shortKey = Data(repeating: 9, count: 20).base64EncodedString()
        let keyMessage = configurationError("[cluster]\ngossip_keys = [\"\(shortKey)\"]\n")
        #expect(keyMessage.hasPrefix("cluster.conf:2: cluster.gossip_keys: gossip key #1 decodes to 20 bytes"))
        #expect(!keyMessage.contains(shortKey))
        let garbage = "not*base64*at*all"
        let garbageMessage = configurationError(nil, environment: ["MURMUR_CLUSTER_GOSSIP_KEYS": "\(garbage)"])
        #expect(garbageMessage.hasPrefix("MURMUR_CLUSTER_GOSSIP_KEYS: cluster.gossip_keys: gossip key #1 is not valid"))
        #expect(!garbageMessage.contains(garbage))
        let tokenMessage = configurationError("[admin]\ntoken = \"hunter 2\"\n")
        #expect(
            tokenMessage
                == "cluster.conf:2: admin.token: must be printable ASCII without spaces, as it is sent in an HTTP "
                + "header (the token is not shown)")
        #expect(!tokenMessage.contains("hunter"))
    }

    @Test func linesStayRightAfterMultiLineValues() {
        let text = """
            [cluster]
            seeds = [
              "127.0.0.1:7946", # first
              "127.0.0.1:7947",
            ]
            [node]
            model_dir = \"\"\"
            models
            fanout = 1
            [fake]\"\"\"
            [gateway]
            tls_cert = '''
            x = 2'''
            tls_key = 'k.pem'

            [gossip]
            "probe_timeout" = "2m"
            """
        #expect(configurationError(text) == "cluster.conf:17: gossip.probe_timeout: must be from 1ms to 1m, got \"2m\"")
    }

    @Test func dottedAndInlineKeysNameTheirLine() {
        #expect(
            configurationError("\n\ngossip.probe_interval = \"0ms\"\n")
                == "cluster.conf:3: gossip.probe_interval: must be from 10ms to 1m, got \"0ms\"")
        #expect(
            configurationError("[cluster]\n\ngossip = { gossip_fanout = 0 }\n")
                == "cluster.conf:3: unknown key gossip in [cluster]")
        #expect(
            configurationError("\nnode = { threads = -2 }\n")
                == "cluster.conf:2: node.threads: must be from 0 to 1024, got -2")
    }

    @Test func theFirstProblemInTheFileIsReported() {
        // TOMLKit returns keys sorted by name; the loader walks them in document order instead.
        let text = "[node]\nthreads = -1\n[gateway]\nfall = 0\n[admin]\n"
        #expect(configurationError(text) == "cluster.conf:2: node.threads: must be from 0 to 1024, got -1")
        let reversed = "[gateway]\nretries = 99\nfall = 0\n"
        #expect(configurationError(reversed) == "cluster.conf:2: gateway.retries: must be from 0 to 10, got 99")
    }

    @Test func nulBytesAreRefused() {
        #expect(
            configurationError("[node]\nname = \"a\"\n# \u{0}\n")
                == "cluster.conf:3: contains a NUL byte; a configuration file is text")
    }

    @Test func unreadableFilesAreNamed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = directory.url.appendingPathComponent("missing.conf").path
        #expect(throws: ConfigurationError("--config: no such file: \(missing)")) {
            try ConfigurationLoader.load(file: missing, environment: [:], overrides: [:])
        }
        #expect(throws: ConfigurationError("MURMUR_CONFIG: no such file: \(missing)")) {
            try ConfigurationLoader.load(file: nil, environment: ["MURMUR_CONFIG": missing], overrides: [:])
        }
        #expect(throws: ConfigurationError("--config: \(directory.url.path) is a directory, not a configuration file"))
        {
            try ConfigurationLoader.load(file: directory.url.path, environment: [:], overrides: [:])
        }
        let latin1 = try directory.write("latin1.conf", Array("[node]\n".utf8) + [0x23, 0x20, 0xE9, 0x0A])
        #expect(throws: ConfigurationError("\(latin1):2: not valid UTF-8 text")) {
            try ConfigurationLoader.load(file: latin1, environment: [:], overrides: [:])
        }
        let bad = try directory.write("bad.conf", Array("[gossip]\n\ngossip_fanout = 0\n".utf8))
        #expect(throws: ConfigurationError("\(bad):3: gossip.gossip_fanout: must be from 1 to 16, got 0")) {
            try ConfigurationLoader.load(file: bad, environment: [:], overrides: [:])
        }
    }
}
