import ArgumentParser
import Foundation

/// `murmur rolling-restart`: drains and restarts every node, a batch at a time, waiting for each to
/// be back (alive, up, a new process) before the next; stops with status 1 when one does not return.
struct RollingRestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rolling-restart",
        abstract: "Drain and restart every node, one batch at a time, without failing client requests."
    )

    @Option(help: "The gateway's URL.")
    var gateway = "http://127.0.0.1:8080"

    @Option(help: "Admin token (default: $MURMUR_ADMIN_TOKEN, the config's [admin] token, <run-dir>/admin-token).")
    var token: String?

    @Option(name: .customLong("drain-timeout"), help: "How long to let a node's in-flight requests finish.")
    var drainTimeout = "30s"

    @Option(help: "Nodes restarted at once (must be fewer than the healthy nodes).")
    var batch = 1

    @Option(name: .customLong("restart-timeout"), help: "How long a node may take to be back, alive and up.")
    var restartTimeout = "120s"

    @Option(name: .customLong("run-dir"), help: "Where 'murmur up' keeps its admin-token file.")
    var runDir = ".murmur"

    @Option(help: "cluster.conf to read [admin] token from (default: $MURMUR_CONFIG).")
    var config: String?

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        do {
            _ = try HTTPAddress(url: gateway)
        } catch {
            throw ValidationError("--gateway: \(error.message)")
        }
        _ = try Duration(argument: drainTimeout, flag: "--drain-timeout")
        _ = try Duration(argument: restartTimeout, flag: "--restart-timeout")
    }

    func run() async throws {
        let address: HTTPAddress
        do {
            address = try HTTPAddress(url: gateway)
        } catch {
            throw CLIError("--gateway: \(error.message)")
        }
        var settings = RollingRestart.Configuration()
        settings.batchSize = batch
        settings.drainTimeout = try Duration(argument: drainTimeout, flag: "--drain-timeout")
        settings.restartTimeout = try Duration(argument: restartTimeout, flag: "--restart-timeout")
        settings.gatewayHost = address.host
        let adminToken = try AdminTokenSearch.token(
            flag: token,
            environment: ProcessInfo.processInfo.environment,
            configFile: config,
            runDirectory: runDir
        )
        let client = ClusterClient(timeout: .seconds(5))
        var session = RollingRestartSession(
            gateway: address, token: adminToken, client: client, configuration: settings)
        let result: Result<String, CLIError>
        do {
            result = .success(try await session.run())
        } catch {
            result = .failure(error)
        }
        await client.shutdown()
        TerminalOutput.line(try result.get())
    }
}
