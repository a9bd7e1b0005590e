import Cluster

extension MurmurConfiguration {
    /// `[cluster]`. The description hides the gossip keys so a logged configuration leaks nothing.
    struct ClusterSettings: Hashable, Sendable, CustomStringConvertible, CustomReflectable {
        /// The cluster's name, also the gossip label: packets from a cluster with another name are dropped.
        var name = "murmur"
        /// Members to join at start (host:port of their gossip address); empty starts a new cluster.
        var seeds: [Endpoint] = []
        /// Base64 AES keys (each 16, 24 or 32 bytes, checked at load); the first encrypts, all decrypt.
        /// Empty: gossip is plaintext.
        var gossipKeys: [String] = []

        /// The keyring built from `gossipKeys`.
        ///
        /// - Throws: only for keys that did not come through `ConfigurationLoader`, which rejects bad keys.
        func keyring() throws(GossipSecurityError) -> Keyring {
            try Keyring(base64Keys: gossipKeys)
        }

        var description: String {
            "ClusterSettings(name: \(name), seeds: \(seeds), gossipKeys: \(gossipKeys.count) key(s))"
        }

        var customMirror: Mirror {
            Mirror(self, children: ["name": name, "seeds": seeds, "gossipKeyCount": gossipKeys.count])
        }
    }
}
