import Cluster

/// What a restarting node hands to its next process image besides its arguments and environment:
/// the gossip addresses of the members that were live, in `MURMUR_RESTART_SEEDS`, which the new
/// image joins through in addition to its configured seeds.
///
/// Without it a node that is the cluster's only seed (its own `--seeds` names itself) would come
/// back alone: the others hold it as `left` and never contact a left member again. With it the
/// join's push-pull tells the new image it is `left` at incarnation k, and it refutes with k + 1,
/// so everyone sees it alive again at a higher incarnation within one round trip.
enum RestartHandOff {
    /// The environment variable carrying the peers (comma-separated `host:port`). It is not a
    /// configuration key: `restart` is no configuration section.
    static let seedsVariable = "MURMUR_RESTART_SEEDS"

    /// `environment` with the variable set to `peers`, or removed when there are none.
    static func environment(_ environment: [String], rejoiningThrough peers: [Endpoint]) -> [String] {
        let value = peers.isEmpty ? nil : peers.map(\.description).joined(separator: ",")
        return ProcessImage.environment(environment, applying: [seedsVariable: value])
    }

    /// The peers handed over in `environment`; entries that do not parse are skipped (the
    /// configured seeds still apply).
    static func seeds(in environment: [String: String]) -> [Endpoint] {
        guard let value = environment[seedsVariable] else { return [] }
        return value.split(separator: ",").compactMap { try? Endpoint(parsing: String($0)) }
    }
}
