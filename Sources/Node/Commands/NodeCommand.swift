import ArgumentParser
import Foundation

/// `murmur node`: a replica — joins gossip, loads its models, serves the HTTP API.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run a replica: join the cluster over gossip and serve the embeddings API."
    )

    @OptionGroup var member: MemberOptions

    @Option(help: "HTTP API address host:port (HTTP/1.1 and h2c).")
    var http: String?

    @Option(help: "A model to serve (all-MiniLM-L6-v2 or synthetic); repeat for several.")
    var model: [String] = []

    func run() async throws {
        // Resolve the executable path now, while argv[0] still means what it meant at start: a
        // restart re-executes whatever file is at that path then.
        _ = ProcessImage.current
        var overrides = member.overrides(nameKey: "node.name")
        if let http { overrides["node.http"] = http }
        if !model.isEmpty { overrides["node.models"] = model.joined(separator: ",") }
        var configuration: MurmurConfiguration
        do {
            configuration = try ConfigurationLoader.load(
                file: member.config,
                environment: ProcessInfo.processInfo.environment,
                overrides: overrides
            )
        } catch {
            throw CLIError(error.message)
        }
        // After an admin restart: rejoin through the members that were live, not only the seeds.
        for seed in RestartHandOff.seeds(in: ProcessInfo.processInfo.environment)
        where !configuration.cluster.seeds.contains(seed) {
            configuration.cluster.seeds.append(seed)
        }
        if configuration.node.models.contains(.miniLM) {
            BLASKernelSelection.reexecWithFasterKernelsIfAvailable()
        }
        try await NodeAssembly(configuration: configuration).run()
    }
}
