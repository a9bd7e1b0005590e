extension ConfigurationLoader {
    /// Checks that need more than one key. An error names the origin of the highest-precedence
    /// value involved: the one most likely just changed.
    func validate() throws(ConfigurationError) {
        let gossip = configuration.gossip
        try require(
            gossip.probeTimeout < gossip.probeInterval, blaming: ["gossip.probe_timeout", "gossip.probe_interval"],
            "gossip.probe_timeout (\(gossip.probeTimeout.configurationText)) must be shorter than "
                + "gossip.probe_interval (\(gossip.probeInterval.configurationText))")

        let batching = configuration.node.batching
        try require(
            batching.maxQueuedTokens >= batching.maxBatchTokens,
            blaming: ["node.max_queued_tokens", "node.max_batch_tokens"],
            "node.max_queued_tokens (\(batching.maxQueuedTokens)) must be at least node.max_batch_tokens "
                + "(\(batching.maxBatchTokens)), or no batch could ever fill")

        let gateway = configuration.gateway
        try require(
            (gateway.tlsCertificatePath == nil) == (gateway.tlsKeyPath == nil),
            blaming: ["gateway.tls_cert", "gateway.tls_key"],
            "gateway.tls_cert and gateway.tls_key go together: set both or neither")
        try require(
            gateway.tlsListen == nil || gateway.tlsCertificatePath != nil,
            blaming: ["gateway.tls_listen", "gateway.tls_cert", "gateway.tls_key"],
            "gateway.tls_listen needs gateway.tls_cert and gateway.tls_key (PEM files)")
        if let tlsListen = gateway.tlsListen {
            try require(
                tlsListen != gateway.listen || tlsListen.port == 0,
                blaming: ["gateway.tls_listen", "gateway.listen"],
                "gateway.tls_listen and gateway.listen are both \(tlsListen); TLS needs a port of its own")
        }
        try require(
            gateway.healthCheckFastInterval <= gateway.healthCheckInterval,
            blaming: ["gateway.health_check_fast_interval", "gateway.health_check_interval"],
            "gateway.health_check_fast_interval (\(gateway.healthCheckFastInterval.configurationText)) must not "
                + "be longer than gateway.health_check_interval (\(gateway.healthCheckInterval.configurationText))")
        try require(
            gateway.healthCheckTimeout <= gateway.healthCheckInterval,
            blaming: ["gateway.health_check_timeout", "gateway.health_check_interval"],
            "gateway.health_check_timeout (\(gateway.healthCheckTimeout.configurationText)) must not be "
                + "longer than gateway.health_check_interval (\(gateway.healthCheckInterval.configurationText))")

        // The keys above are range-checked to SWIMSettings' limits; this catches any drift between the two.
        do {
            try gossip.swimSettings().validate()
        } catch {
            let gossipKeys = ConfigurationKey.all.filter { $0.section == "gossip" }.map(\.path)
            try require(false, blaming: gossipKeys, "[gossip] \(error.message)")
        }
    }

    private func require(
        _ condition: Bool, blaming paths: [String], _ message: @autoclosure () -> String
    ) throws(ConfigurationError) {
        guard !condition else { return }
        var blamed = ConfigurationOrigin.defaultValue
        for path in paths where origin(of: path).precedence > blamed.precedence { blamed = origin(of: path) }
        throw ConfigurationError("\(blamed): \(message())")
    }
}
