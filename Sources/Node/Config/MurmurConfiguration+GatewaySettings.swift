import Cluster

extension MurmurConfiguration {
    /// `[gateway]`: the load balancer role. The loader guarantees `healthCheckFastInterval` and
    /// `healthCheckTimeout` are at most `healthCheckInterval`, `loadFactor > 1`, and that TLS has a
    /// certificate and a key whenever `tlsListen` is set.
    struct GatewaySettings: Hashable, Sendable {
        /// The member name; empty means `gateway-<gossip port>` (see `MurmurConfiguration.gatewayName`).
        var name = ""
        /// The plaintext port: HTTP/1.1 and prior-knowledge h2c.
        var listen = Endpoint(host: "127.0.0.1", port: 8080)
        /// The TLS port (ALPN h2, http/1.1); nil: no TLS listener.
        var tlsListen: Endpoint?
        /// PEM certificate chain and private key paths for `tlsListen`; both set or both nil.
        var tlsCertificatePath: String?
        var tlsKeyPath: String?
        /// Owners per routing key on the hash ring (R).
        var replicas = 2
        /// Bounded-load factor c: an owner above c · average outstanding requests is passed over.
        var loadFactor = 1.25
        /// Request limits: body size, inputs per request, HTTP/2 streams per connection and header
        /// list size.
        var maxBodyBytes = 2_097_152
        var maxInputs = 2048
        var maxConcurrentStreams = 128
        var maxHeaderListSize = 16_384
        /// A client connection with no open stream is closed after this long; also the limit on a response
        /// waiting for a client that does not read, and on a closing HTTP/2 connection's PING reply.
        var idleTimeout: Duration = .seconds(60)
        /// How long one backend attempt may take.
        var requestTimeout: Duration = .seconds(30)
        /// HTTP/2 connections kept to each backend.
        var connectionsPerBackend = 2
        /// Active checks (`GET /ready`), HAProxy style: `interval` while healthy, `fastInterval`
        /// while a check is failing, `rise` successes to come up, `fall` failures to go down.
        var healthCheckInterval: Duration = .seconds(2)
        var healthCheckFastInterval: Duration = .milliseconds(500)
        var healthCheckTimeout: Duration = .seconds(1)
        var rise = 2
        var fall = 3
        /// Passive outlier ejection: this many consecutive failures eject a backend for
        /// `baseEjection` × (times ejected), with at most `maxEjectionPercent` % of backends ejected.
        var outlierConsecutiveFailures = 5
        var outlierBaseEjection: Duration = .seconds(10)
        var outlierMaxEjectionPercent = 50
        /// A recovered backend's share and in-flight cap ramp up over this long; zero: no ramp.
        var slowStart: Duration = .seconds(10)
        /// Attempts after the first for a request that failed before a backend processed it.
        var retries = 2
        /// Retries of timed-out requests are limited to this share of requests, with a floor of
        /// `retryBudgetMinPerSecond` retries per second.
        var retryBudgetPercent = 20
        var retryBudgetMinPerSecond = 3
    }
}
