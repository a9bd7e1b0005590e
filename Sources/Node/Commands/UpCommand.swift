import ArgumentParser
import Foundation

/// `murmur up`: a whole cluster on this machine — a gateway and N nodes on loopback, run as child
/// processes, restarted when they die, and stopped in order (nodes first, the gateway last) on
/// Ctrl-C or SIGTERM.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run a local cluster: a gateway and N nodes on loopback, supervised."
    )

    @Option(help: "cluster.conf for every member (default: $MURMUR_CONFIG, else built-in defaults).")
    var config: String?

    @Option(help: "How many nodes to run.")
    var nodes = 3

    @Option(help: "The model every node serves (all-MiniLM-L6-v2 or synthetic).")
    var model = "all-MiniLM-L6-v2"

    @Option(help: "The gateway's HTTP port on 127.0.0.1.")
    var gatewayPort = 8080

    @Option(help: "Node i serves HTTP on 127.0.0.1:<base-port + i>.")
    var basePort = 9000

    @Option(help: "Node i gossips on 127.0.0.1:<gossip-base-port + i>; the gateway on the port after the nodes.")
    var gossipBasePort = 7946

    @Option(help: "Where logs (logs/<name>.log) and the generated admin token (admin-token) go.")
    var runDir = ".murmur"

    /// How long a stopping gateway waits for its in-flight requests (`GatewayService`).
    static let gatewayDrainTimeout: Duration = .seconds(30)

    func run() async throws {
        let plan: ClusterPlan
        do {
            plan = try ClusterPlan(
                options: ClusterPlan.Options(
                    nodes: nodes,
                    model: model,
                    gatewayPort: gatewayPort,
                    basePort: basePort,
                    gossipBasePort: gossipBasePort,
                    runDirectory: runDir,
                    configPath: config
                )
            )
        } catch {
            throw CLIError(error.message)
        }
        var environment = ProcessInfo.processInfo.environment
        let configuration: MurmurConfiguration
        do {
            configuration = try ConfigurationLoader.load(file: config, environment: environment, overrides: [:])
        } catch {
            throw CLIError(error.message)
        }
        if model == ConfiguredModel.miniLM.rawValue {
            let weights = ClusterPlan.joined(configuration.node.modelDirectory, "model.safetensors")
            guard FileManager.default.isReadableFile(atPath: weights) else {
                throw CLIError(
                    "model \(model) not found: no \(weights) (run 'make model', or set node.model_dir / "
                        + "MURMUR_MODEL_DIR; --model synthetic needs no weights)"
                )
            }
        }
        guard let executable = ChildLauncher.currentExecutablePath() else {
            throw CLIError("cannot find the path of the running murmur executable", exitCode: 1)
        }
        do {
            try FileManager.default.createDirectory(atPath: plan.logDirectory, withIntermediateDirectories: true)
        } catch {
            throw CLIError("cannot create \(plan.logDirectory): \(error.localizedDescription)", exitCode: 1)
        }

        let tokenNote: String
        if configuration.admin.token == nil {
            let token = AdminToken.generate()
            do {
                try AdminToken.write(token, to: plan.adminTokenPath)
            } catch {
                throw CLIError(error.message, exitCode: 1)
            }
            environment["MURMUR_ADMIN_TOKEN"] = token
            tokenNote = "admin token in \(plan.adminTokenPath)"
        } else {
            // A token left by an earlier run would not be the one the children accept.
            try? FileManager.default.removeItem(atPath: plan.adminTokenPath)
            tokenNote = "admin token: the configured one ([admin] token / MURMUR_ADMIN_TOKEN)"
        }
        environment[ParentDeathSignal.environmentVariable] = String(getpid())

        let supervisor = Supervisor(
            plan: plan,
            shutdownPlan: ShutdownPlan(
                plan: plan,
                nodeDrainTimeout: configuration.node.drainTimeout,
                gatewayDrainTimeout: Self.gatewayDrainTimeout
            ),
            executable: executable,
            environment: environment,
            tokenNote: tokenNote
        )
        let status = await supervisor.run()
        if status != 0 { throw ExitCode(status) }
    }
}
