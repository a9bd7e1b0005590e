import ArgumentParser
import Cluster

/// `murmur`: one binary that is both the load balancer and the replicas.
@main
struct Murmur: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "murmur",
        abstract: "An inference cluster: gossiping peer nodes serving sentence embeddings behind an HTTP/2 gateway.",
        version: MurmurVersion.current,
        subcommands: []
    )
}
