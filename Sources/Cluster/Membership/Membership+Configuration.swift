extension Membership {
    /// Everything a process needs to take part in gossip, validated before any socket is bound.
    public struct Configuration: Sendable {
        /// The member's unique name in the cluster.
        public var name: String
        /// Where the UDP and TCP sockets bind (`0.0.0.0:7946`; port 0 picks a free port).
        public var bindAddress: Endpoint
        /// What peers are told to reach us at, when it differs from the bind address (NAT, wildcard
        /// bind, containers). Defaults to the bind address with its real port.
        public var advertiseAddress: Endpoint?
        /// Seed members to join through; may be empty (a new cluster) or include ourselves.
        public var seeds: [Endpoint]
        /// Gossip encryption keys (empty: plaintext).
        public var keyring: Keyring
        /// The cluster's label, authenticated with every packet: members of differently labelled
        /// clusters never talk, even with the same keys.
        public var label: String
        /// The protocol's settings (memberlist-LAN defaults).
        public var settings: SWIMSettings
        /// The member's initial metadata (opaque to gossip; `MemberMetadata` encodes it).
        public var metadata: [UInt8]
        /// Seed of the protocol's random choices; nil draws one from the system generator.
        public var randomSeed: UInt64?
        /// Looks up host names of seeds and peers (the system's DNS unless a test injects one).
        public var resolver: HostResolver

        public init(
            name: String,
            bindAddress: Endpoint,
            advertiseAddress: Endpoint? = nil,
            seeds: [Endpoint] = [],
            keyring: Keyring = Keyring(),
            label: String = "",
            settings: SWIMSettings = SWIMSettings(),
            metadata: [UInt8] = [],
            randomSeed: UInt64? = nil,
            resolver: HostResolver = .system
        ) {
            self.name = name
            self.bindAddress = bindAddress
            self.advertiseAddress = advertiseAddress
            self.seeds = seeds
            self.keyring = keyring
            self.label = label
            self.settings = settings
            self.metadata = metadata
            self.randomSeed = randomSeed
            self.resolver = resolver
        }
    }
}
