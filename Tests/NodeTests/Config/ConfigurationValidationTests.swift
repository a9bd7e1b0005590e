import Testing

@testable import Node

@Suite struct ConfigurationValidationTests {
    @Test func probeTimeoutMustBeShorterThanTheInterval() {
        #expect(
            configurationError("[gossip]\nprobe_interval = \"1s\"\nprobe_timeout = \"1s\"\n")
                == "cluster.conf:3: gossip.probe_timeout (1s) must be shorter than gossip.probe_interval (1s)")
        // The highest-precedence value involved is named: here the variable that shortened the interval.
        #expect(
            configurationError(
                "[gossip]\nprobe_timeout = \"400ms\"\n", environment: ["MURMUR_GOSSIP_PROBE_INTERVAL": "300ms"])
                == "MURMUR_GOSSIP_PROBE_INTERVAL: gossip.probe_timeout (400ms) must be shorter than "
                + "gossip.probe_interval (300ms)")
    }

    @Test func tlsNeedsCertificateAndKeyTogether() {
        #expect(
            configurationError("[gateway]\ntls_cert = \"cert.pem\"\n")
                == "cluster.conf:2: gateway.tls_cert and gateway.tls_key go together: set both or neither")
        #expect(
            configurationError("[gateway]\ntls_key = \"key.pem\"\n")
                == "cluster.conf:2: gateway.tls_cert and gateway.tls_key go together: set both or neither")
        #expect(
            configurationError(nil, environment: ["MURMUR_GATEWAY_TLS_LISTEN": "127.0.0.1:8443"])
                == "MURMUR_GATEWAY_TLS_LISTEN: gateway.tls_listen needs gateway.tls_cert and gateway.tls_key (PEM files)"
        )
        #expect(
            configurationError(
                "[gateway]\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\ntls_listen = \"127.0.0.1:8080\"\n")
                == "cluster.conf:4: gateway.tls_listen and gateway.listen are both 127.0.0.1:8080; TLS needs a port of "
                + "its own")
        #expect(
            configurationError(
                "[gateway]\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\ntls_listen = \"127.0.0.1:8443\"\n")
                == "(loaded without an error)")
        #expect(
            configurationError("[gateway]\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\n") == "(loaded without an error)")
    }

    @Test func healthCheckTimingsFitTheInterval() {
        #expect(
            configurationError("[gateway]\nhealth_check_fast_interval = \"3s\"\n")
                == "cluster.conf:2: gateway.health_check_fast_interval (3s) must not be longer than "
                + "gateway.health_check_interval (2s)")
        #expect(
            configurationError("[gateway]\nhealth_check_interval = \"400ms\"\nhealth_check_fast_interval = \"400ms\"\n")
                == "cluster.conf:2: gateway.health_check_timeout (1s) must not be longer than "
                + "gateway.health_check_interval (400ms)")
        #expect(
            configurationError(
                "[gateway]\nhealth_check_interval = \"400ms\"\nhealth_check_fast_interval = \"400ms\"\n"
                    + "health_check_timeout = \"400ms\"\n")
                == "(loaded without an error)")
    }

    @Test func queueMustHoldABatch() {
        #expect(
            configurationError("[node]\nmax_batch_tokens = 4096\nmax_queued_tokens = 1024\n")
                == "cluster.conf:3: node.max_queued_tokens (1024) must be at least node.max_batch_tokens (4096), or no "
                + "batch could ever fill")
    }

    @Test func loadFactorMustExceedOne() throws {
        #expect(try loadConfiguration("[gateway]\nload_factor = 1.01\n").gateway.loadFactor == 1.01)
        #expect(configurationError(nil, environment: ["MURMUR_GATEWAY_LOAD_FACTOR": "1"]).hasSuffix("got 1.0"))
    }
}
