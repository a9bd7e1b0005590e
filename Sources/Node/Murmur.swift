import ArgumentParser
import Cluster
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `murmur`: one binary that is both the load balancer and the replicas.
@main
struct Murmur: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "murmur",
        abstract: "An inference cluster: gossiping peer nodes serving sentence embeddings behind an HTTP/2 gateway.",
        version: MurmurVersion.current,
        subcommands: [
            NodeCommand.self, GatewayCommand.self, UpCommand.self, StatusCommand.self, RollingRestartCommand.self,
            EmbedCommand.self, TokenizeCommand.self, BenchCommand.self,
            SimulateCommand.self,
        ]
    )

    /// Runs the chosen subcommand. Usage mistakes and bad input end with exactly one line on stderr
    /// and exit status 2 (the CLI contract); help and `--version` behave as usual.
    static func main() async {
        // Servers run their tasks on NIO's event-loop threads rather than a second thread pool: one
        // fewer thread hop per request (gateway CPU per request measured 10-15% lower). Only for the
        // long-running server roles, whose async work never blocks.
        if let role = CommandLine.arguments.dropFirst().first, role == "node" || role == "gateway" {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit || error is ExitCode {
                exit(withError: error)
            }
            // ArgumentParser's own messages span several lines (usage, hints): keep the first, which
            // names the problem, and point at --help.
            let firstLine = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            let trimmed = firstLine.hasPrefix("Error: ") ? String(firstLine.dropFirst(7)) : firstLine
            CLIError.report("\(trimmed) (see 'murmur --help')")
            Glibc.exit(2)
        }
        if command is NodeCommand || command is GatewayCommand {
            // Started by `murmur up`: never outlive the supervisor, even a SIGKILLed one.
            ParentDeathSignal.armIfSupervised()
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            CLIError.report(error.message)
            Glibc.exit(error.exitCode)
        } catch let error as ValidationError {
            CLIError.report(error.message)
            Glibc.exit(2)
        } catch is CancellationError {
            // A graceful shutdown that cancelled the remaining work: a normal end.
            Glibc.exit(0)
        } catch {
            // Help and version requests surface here too (ArgumentParser's own errors): let it print them.
            if error is CleanExit || error is ExitCode || exitCode(for: error) == .success { exit(withError: error) }
            CLIError.report("\(error)")
            Glibc.exit(1)
        }
    }
}
