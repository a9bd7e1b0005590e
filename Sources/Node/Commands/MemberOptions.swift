import ArgumentParser

/// Options `node` and `gateway` share: where the config is and the gossip flags that override it.
struct MemberOptions: ParsableArguments {
    @Option(help: "cluster.conf to load (default: $MURMUR_CONFIG, else built-in defaults).")
    var config: String?

    @Option(help: "This member's unique name in the cluster.")
    var name: String?

    @Option(help: "Gossip bind address host:port (UDP and TCP).")
    var gossip: String?

    @Option(help: "Seed members' gossip addresses, comma separated.")
    var seeds: String?

    /// The flags given, as config overrides keyed "section.key".
    func overrides(nameKey: String) -> [String: String] {
        var overrides: [String: String] = [:]
        if let name { overrides[nameKey] = name }
        if let gossip { overrides["gossip.bind"] = gossip }
        if let seeds { overrides["cluster.seeds"] = seeds }
        return overrides
    }
}
