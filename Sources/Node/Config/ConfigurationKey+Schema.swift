import Cluster
import Model

extension ConfigurationKey {
    /// Every key `cluster.conf` may set, with its accepted range. Defaults live in
    /// `MurmurConfiguration`'s stored properties; the shipped `cluster.conf` repeats them.
    static let all: [ConfigurationKey] = clusterKeys + gossipKeys + nodeKeys + gatewayKeys + adminKeys

    private static let clusterKeys: [ConfigurationKey] = [
        ConfigurationKey("cluster", "name") { input, configuration throws(InvalidValue) in
            configuration.cluster.name = try clusterName(input.string())
        },
        ConfigurationKey("cluster", "seeds") { input, configuration throws(InvalidValue) in
            configuration.cluster.seeds = try input.endpointList(allowingPortZero: false)
        },
        ConfigurationKey("cluster", "gossip_keys") { input, configuration throws(InvalidValue) in
            let keys = try input.stringList()
            do throws(GossipSecurityError) {
                _ = try Keyring(base64Keys: keys)
            } catch {
                // Keyring's messages name a key by position, never by value.
                throw InvalidValue(error.message)
            }
            configuration.cluster.gossipKeys = keys
        },
    ]

    private static let gossipKeys: [ConfigurationKey] = [
        ConfigurationKey("gossip", "bind") { input, configuration throws(InvalidValue) in
            configuration.gossip.bind = try input.endpoint()
        },
        ConfigurationKey("gossip", "advertise") { input, configuration throws(InvalidValue) in
            configuration.gossip.advertise = try input.optionalEndpoint(allowingPortZero: false)
        },
        ConfigurationKey("gossip", "probe_interval") { input, configuration throws(InvalidValue) in
            configuration.gossip.probeInterval = try input.duration(in: .milliseconds(10) ... .seconds(60))
        },
        ConfigurationKey("gossip", "probe_timeout") { input, configuration throws(InvalidValue) in
            configuration.gossip.probeTimeout = try input.duration(in: .milliseconds(1) ... .seconds(60))
        },
        ConfigurationKey("gossip", "indirect_checks") { input, configuration throws(InvalidValue) in
            configuration.gossip.indirectChecks = try input.integer(in: 0...16)
        },
        ConfigurationKey("gossip", "gossip_interval") { input, configuration throws(InvalidValue) in
            configuration.gossip.gossipInterval = try input.duration(in: .milliseconds(1) ... .seconds(60))
        },
        ConfigurationKey("gossip", "gossip_fanout") { input, configuration throws(InvalidValue) in
            configuration.gossip.gossipFanout = try input.integer(in: 1...16)
        },
        ConfigurationKey("gossip", "retransmit_multiplier") { input, configuration throws(InvalidValue) in
            configuration.gossip.retransmitMultiplier = try input.integer(in: 1...32)
        },
        ConfigurationKey("gossip", "suspicion_multiplier") { input, configuration throws(InvalidValue) in
            configuration.gossip.suspicionMultiplier = try input.number(in: 0.5...32)
        },
        ConfigurationKey("gossip", "suspicion_max_timeout_multiplier") { input, configuration throws(InvalidValue) in
            configuration.gossip.suspicionMaxTimeoutMultiplier = try input.number(in: 1...100)
        },
        ConfigurationKey("gossip", "min_suspicion_timeout") { input, configuration throws(InvalidValue) in
            configuration.gossip.minSuspicionTimeout = try input.duration(in: .zero ... .seconds(3600))
        },
        ConfigurationKey("gossip", "push_pull_interval") { input, configuration throws(InvalidValue) in
            configuration.gossip.pushPullInterval = try input.duration(in: .milliseconds(10) ... .seconds(24 * 3600))
        },
        ConfigurationKey("gossip", "gossip_to_the_dead") { input, configuration throws(InvalidValue) in
            configuration.gossip.gossipToTheDead = try input.duration(in: .zero ... .seconds(24 * 3600))
        },
        ConfigurationKey("gossip", "dead_node_reclaim") { input, configuration throws(InvalidValue) in
            configuration.gossip.deadNodeReclaim = try input.duration(in: .zero ... .seconds(24 * 3600))
        },
        ConfigurationKey("gossip", "dead_member_retention") { input, configuration throws(InvalidValue) in
            configuration.gossip.deadMemberRetention = try input.duration(in: .zero ... .seconds(30 * 24 * 3600))
        },
        ConfigurationKey("gossip", "leave_propagation") { input, configuration throws(InvalidValue) in
            configuration.gossip.leavePropagation = try input.duration(in: .zero ... .seconds(60))
        },
    ]

    private static let nodeKeys: [ConfigurationKey] = [
        ConfigurationKey("node", "name") { input, configuration throws(InvalidValue) in
            configuration.node.name = try memberName(input.string())
        },
        ConfigurationKey("node", "http") { input, configuration throws(InvalidValue) in
            configuration.node.http = try input.endpoint()
        },
        ConfigurationKey("node", "models") { input, configuration throws(InvalidValue) in
            configuration.node.models = try models(input.stringList())
        },
        ConfigurationKey("node", "model_dir") { input, configuration throws(InvalidValue) in
            configuration.node.modelDirectory = try input.string()
        },
        ConfigurationKey("node", "threads") { input, configuration throws(InvalidValue) in
            let threads = try input.integer(in: 0...1024)
            configuration.node.threads = threads == 0 ? nil : threads
        },
        ConfigurationKey("node", "precision") { input, configuration throws(InvalidValue) in
            configuration.node.precision = try precision(input.string())
        },
        ConfigurationKey("node", "max_batch_tokens") { input, configuration throws(InvalidValue) in
            configuration.node.batching.maxBatchTokens = try input.integer(in: 1...1_048_576)
        },
        ConfigurationKey("node", "max_queued_tokens") { input, configuration throws(InvalidValue) in
            configuration.node.batching.maxQueuedTokens = try input.integer(in: 1...1_073_741_824)
        },
        ConfigurationKey("node", "max_queued_texts") { input, configuration throws(InvalidValue) in
            configuration.node.batching.maxQueuedTexts = try input.integer(in: 1...16_777_216)
        },
        ConfigurationKey("node", "max_wait") { input, configuration throws(InvalidValue) in
            let wait = try input.duration(in: .zero ... .seconds(10))
            configuration.node.batching.maxWait = wait == .zero ? nil : wait
        },
        ConfigurationKey("node", "cache_max_entries") { input, configuration throws(InvalidValue) in
            configuration.node.cacheMaxEntries = try input.integer(in: 0...100_000_000)
        },
        ConfigurationKey("node", "cache_max_bytes") { input, configuration throws(InvalidValue) in
            configuration.node.cacheMaxBytes = try input.integer(in: 0...1_099_511_627_776)
        },
        ConfigurationKey("node", "synthetic_latency_ms") { input, configuration throws(InvalidValue) in
            configuration.node.syntheticLatency = .milliseconds(try input.integer(in: 0...60_000))
        },
        ConfigurationKey("node", "drain_timeout") { input, configuration throws(InvalidValue) in
            configuration.node.drainTimeout = try input.duration(in: .zero ... .seconds(3600))
        },
    ]

    private static let gatewayKeys: [ConfigurationKey] = [
        ConfigurationKey("gateway", "name") { input, configuration throws(InvalidValue) in
            configuration.gateway.name = try memberName(input.string())
        },
        ConfigurationKey("gateway", "listen") { input, configuration throws(InvalidValue) in
            configuration.gateway.listen = try input.endpoint()
        },
        ConfigurationKey("gateway", "tls_listen") { input, configuration throws(InvalidValue) in
            configuration.gateway.tlsListen = try input.optionalEndpoint()
        },
        ConfigurationKey("gateway", "tls_cert") { input, configuration throws(InvalidValue) in
            configuration.gateway.tlsCertificatePath = try input.optionalString()
        },
        ConfigurationKey("gateway", "tls_key") { input, configuration throws(InvalidValue) in
            configuration.gateway.tlsKeyPath = try input.optionalString()
        },
        ConfigurationKey("gateway", "replicas") { input, configuration throws(InvalidValue) in
            configuration.gateway.replicas = try input.integer(in: 1...16)
        },
        ConfigurationKey("gateway", "load_factor") { input, configuration throws(InvalidValue) in
            configuration.gateway.loadFactor = try input.number(in: 1...100, excludingLowerBound: true)
        },
        ConfigurationKey("gateway", "max_body_bytes") { input, configuration throws(InvalidValue) in
            configuration.gateway.maxBodyBytes = try input.integer(in: 1024...1_073_741_824)
        },
        ConfigurationKey("gateway", "max_inputs") { input, configuration throws(InvalidValue) in
            configuration.gateway.maxInputs = try input.integer(in: 1...1_000_000)
        },
        ConfigurationKey("gateway", "max_concurrent_streams") { input, configuration throws(InvalidValue) in
            configuration.gateway.maxConcurrentStreams = try input.integer(in: 1...100_000)
        },
        ConfigurationKey("gateway", "max_header_list_size") { input, configuration throws(InvalidValue) in
            configuration.gateway.maxHeaderListSize = try input.integer(in: 1024...16_777_216)
        },
        ConfigurationKey("gateway", "idle_timeout") { input, configuration throws(InvalidValue) in
            configuration.gateway.idleTimeout = try input.duration(in: .milliseconds(100) ... .seconds(24 * 3600))
        },
        ConfigurationKey("gateway", "request_timeout") { input, configuration throws(InvalidValue) in
            configuration.gateway.requestTimeout = try input.duration(in: .milliseconds(1) ... .seconds(3600))
        },
        ConfigurationKey("gateway", "connections_per_backend") { input, configuration throws(InvalidValue) in
            configuration.gateway.connectionsPerBackend = try input.integer(in: 1...64)
        },
        ConfigurationKey("gateway", "health_check_interval") { input, configuration throws(InvalidValue) in
            configuration.gateway.healthCheckInterval = try input.duration(in: .milliseconds(10) ... .seconds(3600))
        },
        ConfigurationKey("gateway", "health_check_fast_interval") { input, configuration throws(InvalidValue) in
            configuration.gateway.healthCheckFastInterval = try input.duration(
                in: .milliseconds(10) ... .seconds(3600))
        },
        ConfigurationKey("gateway", "health_check_timeout") { input, configuration throws(InvalidValue) in
            configuration.gateway.healthCheckTimeout = try input.duration(in: .milliseconds(1) ... .seconds(3600))
        },
        ConfigurationKey("gateway", "rise") { input, configuration throws(InvalidValue) in
            configuration.gateway.rise = try input.integer(in: 1...100)
        },
        ConfigurationKey("gateway", "fall") { input, configuration throws(InvalidValue) in
            configuration.gateway.fall = try input.integer(in: 1...100)
        },
        ConfigurationKey("gateway", "outlier_consecutive_failures") { input, configuration throws(InvalidValue) in
            configuration.gateway.outlierConsecutiveFailures = try input.integer(in: 1...1000)
        },
        ConfigurationKey("gateway", "outlier_base_ejection") { input, configuration throws(InvalidValue) in
            configuration.gateway.outlierBaseEjection = try input.duration(in: .milliseconds(1) ... .seconds(3600))
        },
        ConfigurationKey("gateway", "outlier_max_ejection_percent") { input, configuration throws(InvalidValue) in
            configuration.gateway.outlierMaxEjectionPercent = try input.integer(in: 0...100)
        },
        ConfigurationKey("gateway", "slow_start") { input, configuration throws(InvalidValue) in
            configuration.gateway.slowStart = try input.duration(in: .zero ... .seconds(3600))
        },
        ConfigurationKey("gateway", "retries") { input, configuration throws(InvalidValue) in
            configuration.gateway.retries = try input.integer(in: 0...10)
        },
        ConfigurationKey("gateway", "retry_budget_percent") { input, configuration throws(InvalidValue) in
            configuration.gateway.retryBudgetPercent = try input.integer(in: 0...100)
        },
        ConfigurationKey("gateway", "retry_budget_min_per_second") { input, configuration throws(InvalidValue) in
            configuration.gateway.retryBudgetMinPerSecond = try input.integer(in: 0...100_000)
        },
    ]

    private static let adminKeys: [ConfigurationKey] = [
        ConfigurationKey("admin", "token") { input, configuration throws(InvalidValue) in
            configuration.admin.token = try adminToken(input.string())
        }
    ]
}

extension ConfigurationKey {
    /// The cluster name is the gossip label, carried in every packet with a one-byte length.
    private static func clusterName(_ name: String) throws(InvalidValue) -> String {
        guard !name.isEmpty else { throw InvalidValue("must not be empty; it names the cluster and labels its gossip") }
        guard name.utf8.count <= PacketSealer.maxLabelLength else {
            throw InvalidValue("is \(name.utf8.count) bytes; at most \(PacketSealer.maxLabelLength) are allowed")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw InvalidValue("must not contain control characters")
        }
        return name
    }

    /// A member name travels in every gossip message; empty means "derive it from the gossip port".
    private static func memberName(_ name: String) throws(InvalidValue) -> String {
        guard name.utf8.count <= WireFormat.maxNameLength else {
            throw InvalidValue("is \(name.utf8.count) bytes; at most \(WireFormat.maxNameLength) are allowed")
        }
        let unusable = name.unicodeScalars.contains {
            $0.properties.isWhitespace || $0.properties.generalCategory == .control
        }
        guard !unusable else { throw InvalidValue("\"\(name)\" must not contain spaces or control characters") }
        return name
    }

    private static func models(_ names: [String]) throws(InvalidValue) -> [ConfiguredModel] {
        guard !names.isEmpty else {
            throw InvalidValue("must name at least one model (\(allowedModels))")
        }
        var models: [ConfiguredModel] = []
        for name in names {
            guard let model = ConfiguredModel(rawValue: name) else {
                let known = ConfiguredModel.allCases.map(\.rawValue)
                let suggestion = name.closestMatch(among: known).map { "; did you mean \"\($0)\"?" } ?? ""
                throw InvalidValue("unknown model \"\(name)\" (known: \(allowedModels))\(suggestion)")
            }
            guard !models.contains(model) else { throw InvalidValue("lists \"\(name)\" twice") }
            models.append(model)
        }
        return models
    }

    private static var allowedModels: String {
        ConfiguredModel.allCases.map(\.rawValue).joined(separator: ", ")
    }

    /// The token is sent as `Authorization: Bearer <token>`, so it must fit in a header value.
    /// Messages never quote it.
    private static func precision(_ name: String) throws(InvalidValue) -> EncoderPrecision {
        guard let precision = EncoderPrecision(rawValue: name) else {
            let allowed = EncoderPrecision.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw InvalidValue("must be one of \(allowed), got \"\(name)\"")
        }
        return precision
    }

    private static func adminToken(_ token: String) throws(InvalidValue) -> String? {
        guard !token.isEmpty else { return nil }
        guard token.utf8.count <= 4096 else {
            throw InvalidValue("is \(token.utf8.count) bytes; at most 4096 are allowed (the token is not shown)")
        }
        guard token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw InvalidValue(
                "must be printable ASCII without spaces, as it is sent in an HTTP header (the token is not shown)")
        }
        return token
    }
}
