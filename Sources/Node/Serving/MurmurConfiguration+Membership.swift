import Cluster

extension MurmurConfiguration {
    /// Joins gossip as `name` with `metadata`, from the `[cluster]` and `[gossip]` settings; a failure
    /// is one line naming the address (exit 1).
    func bindMembership(name: String, metadata: MemberMetadata) async throws -> Membership {
        do {
            return try await Membership.bind(
                configuration: .init(
                    name: name,
                    bindAddress: gossip.bind,
                    advertiseAddress: gossip.advertise,
                    seeds: cluster.seeds,
                    keyring: try cluster.keyring(),
                    label: cluster.name,
                    settings: gossip.swimSettings(),
                    metadata: try metadata.encoded()
                )
            )
        } catch {
            throw CLIError("cannot start gossip on \(gossip.bind): \(error)", exitCode: 1)
        }
    }
}
