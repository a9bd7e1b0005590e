public import NIOCore

extension BackendPool {
    /// Limits and timings of one backend's pool; the defaults suit a gateway in front of nodes on a LAN.
    public struct Configuration: Hashable, Sendable {
        /// Connections opened at most (the pool grows past one only when every open connection
        /// already carries streams).
        public var maximumConnections: Int = 2
        /// Requests that may wait for a free stream; one more fails with ``BackendError/Code/poolExhausted``.
        public var maximumQueuedRequests: Int = 256
        /// Streams used per connection at most; the peer's SETTINGS_MAX_CONCURRENT_STREAMS lowers it.
        public var maximumStreamsPerConnection: Int = 100
        /// A connection is retired (drained and replaced) after this many streams, well before the
        /// 2^31 client stream ids run out on a long-lived connection.
        public var maximumStreamsPerConnectionLifetime: Int = 1 << 28
        /// Time to connect and receive the peer's first SETTINGS frame.
        public var connectTimeout: TimeAmount = .seconds(1)
        /// Delay before a new connection attempt after failed ones.
        public var backoff: ReconnectBackoff = ReconnectBackoff()
        /// Largest response body accepted; a larger one fails with ``BackendError/Code/invalidResponse``.
        public var maximumResponseBytes: Int = 64 << 20
        /// Flow-control window per stream, and for the whole connection (16 times as much).
        public var streamWindowBytes: Int = 1 << 20

        public init() {}
    }
}
