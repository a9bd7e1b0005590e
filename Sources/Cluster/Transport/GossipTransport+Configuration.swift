extension GossipTransport {
    /// Addresses, limits and timeouts of a gossip transport.
    public struct Configuration: Sendable {
        /// Where the UDP socket and the push-pull TCP listener bind (the same port number for
        /// both, as in memberlist). Port 0 picks a free port.
        public var bindAddress: Endpoint
        /// What peers are told to send to, when it differs from the bind address (NAT, binding
        /// `0.0.0.0`). A port of 0 here means "the bound port". Required when binding a wildcard.
        public var advertiseAddress: Endpoint?
        /// The largest datagram sent or accepted, sealing overhead included.
        public var maxPacketSize = 1400
        /// The largest push-pull frame sent or accepted, sealing overhead included.
        public var maxFrameSize = 8 * 1024 * 1024
        /// How long a push-pull connection attempt may take.
        public var connectTimeout: Duration = .seconds(5)
        /// How long a whole push-pull exchange may take once connected, on either side.
        public var ioTimeout: Duration = .seconds(10)
        /// How many opened packets may wait for the reader before new ones are dropped.
        public var receiveBacklog = 4096

        public init(bindAddress: Endpoint, advertiseAddress: Endpoint? = nil) {
            self.bindAddress = bindAddress
            self.advertiseAddress = advertiseAddress
        }
    }
}
