import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `murmur status`: the cluster as the gateway sees it, as a table (or the raw `/cluster` JSON).
///
/// Exit status 0 when at least one node exists and every node that has not left is alive and up;
/// 1 otherwise, and 1 with one line when the gateway cannot be reached.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the cluster's members, health and load as the gateway sees them."
    )

    @Option(help: "The gateway's URL.")
    var gateway = "http://127.0.0.1:8080"

    @Flag(help: "Print the gateway's /cluster document as received.")
    var json = false

    @Flag(help: "Refresh until Ctrl-C: redraw in place on a terminal, append otherwise.")
    var watch = false

    @Option(help: "Time between refreshes with --watch, like 1s or 500ms.")
    var interval = "1s"

    func validate() throws {
        do {
            _ = try HTTPAddress(url: gateway)
        } catch {
            throw ValidationError("--gateway: \(error.message)")
        }
        _ = try Duration(argument: interval, flag: "--interval")
    }

    func run() async throws {
        let address: HTTPAddress
        do {
            address = try HTTPAddress(url: gateway)
        } catch {
            throw CLIError("--gateway: \(error.message)")
        }
        let pause = try Duration(argument: interval, flag: "--interval")
        let client = ClusterClient(timeout: .seconds(5))
        if watch {
            await watchForever(address, client: client, pause: pause)
        }
        let outcome: Result<(body: [UInt8], document: ClusterDocument), ClusterRequestError>
        do {
            outcome = .success(try await client.fetchCluster(from: address))
        } catch {
            outcome = .failure(error)
        }
        await client.shutdown()
        switch outcome {
        case .success(let answer):
            TerminalOutput.write(frame(answer, at: Date()))
            if !StatusVerdict(answer.document).allReady { throw ExitCode(1) }
        case .failure(let error):
            throw CLIError("cannot reach the gateway at \(address): \(error.reason)", exitCode: 1)
        }
    }

    /// Redraws every `pause` until SIGINT, which ends the process with status 0.
    private func watchForever(_ address: HTTPAddress, client: ClusterClient, pause: Duration) async -> Never {
        signal(SIGINT) { _ in _exit(0) }
        let redraw = TerminalOutput.isTerminal && !json
        let clock = ContinuousClock()
        while true {
            let next = clock.now + pause
            let text: String
            do {
                text = frame(try await client.fetchCluster(from: address), at: Date())
            } catch {
                text = "cannot reach the gateway at \(address): \(error.reason)\n"
            }
            if json {
                TerminalOutput.write(text)
            } else {
                let header =
                    "murmur status  \(address)  every \(pause.configurationText)  "
                    + StatusCommand.clockText(Date())
                // Clear and home on a terminal; elsewhere frames follow each other, a blank line apart.
                TerminalOutput.write((redraw ? "\u{1B}[H\u{1B}[2J" : "\n") + header + "\n\n" + text)
            }
            try? await clock.sleep(until: next)
        }
    }

    /// One rendering: the document as received with `--json` (one line), else the table.
    private func frame(_ answer: (body: [UInt8], document: ClusterDocument), at date: Date) -> String {
        if json {
            var body = String(decoding: answer.body, as: UTF8.self)
            while body.last?.isNewline == true { body.removeLast() }
            return body + "\n"
        }
        return StatusTable.render(answer.document, now: date.timeIntervalSince1970)
    }

    /// `HH:MM:SS UTC`.
    static func clockText(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) % 86_400
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(seconds / 3_600)):\(two(seconds % 3_600 / 60)):\(two(seconds % 60)) UTC"
    }
}
