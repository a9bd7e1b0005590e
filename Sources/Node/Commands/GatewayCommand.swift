import ArgumentParser
import Foundation

/// `murmur gateway`: joins gossip, learns the nodes from membership, and routes the HTTP API to them.
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Run a gateway: learn the nodes over gossip and route requests to the least-loaded healthy one."
    )

    @OptionGroup var member: MemberOptions

    @Option(help: "Public HTTP address host:port (HTTP/1.1 and h2c).")
    var listen: String?

    func run() async throws {
        var overrides = member.overrides(nameKey: "gateway.name")
        if let listen { overrides["gateway.listen"] = listen }
        let configuration: MurmurConfiguration
        do {
            configuration = try ConfigurationLoader.load(
                file: member.config,
                environment: ProcessInfo.processInfo.environment,
                overrides: overrides
            )
        } catch {
            throw CLIError(error.message)
        }
        try await GatewayAssembly(configuration: configuration).run()
    }
}
