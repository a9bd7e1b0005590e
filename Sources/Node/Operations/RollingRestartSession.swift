/// The I/O shell around ``RollingRestart``: carries out each action it asks for (wait, fetch
/// `/cluster`, send an admin request), reports the result back with the time, and prints the lines
/// it produces. All decisions are the state machine's.
struct RollingRestartSession {
    let gateway: HTTPAddress
    let token: String
    let client: ClusterClient
    var machine: RollingRestart
    private let clock = ContinuousClock()

    init(gateway: HTTPAddress, token: String, client: ClusterClient, configuration: RollingRestart.Configuration) {
        self.gateway = gateway
        self.token = token
        self.client = client
        self.machine = RollingRestart(configuration: configuration)
    }

    /// Runs the restart to its end. Returns the summary line on success; throws a `CLIError` with
    /// exit status 1 when the gateway cannot be reached at first, or the run refuses or stops.
    mutating func run() async throws(CLIError) -> String {
        let origin = clock.now
        let first: ClusterDocument
        do {
            first = try await client.fetchCluster(from: gateway).document
        } catch {
            throw CLIError("cannot reach the gateway at \(gateway): \(error.reason)", exitCode: 1)
        }
        var step = machine.begin(with: first, now: clock.now - origin)
        while true {
            for line in step.lines { TerminalOutput.line(line) }
            switch step.action {
            case .finish(.completed(let summary)):
                return summary
            case .finish(.stopped(let message)):
                throw CLIError(message, exitCode: 1)
            case .fetchCluster(let time):
                try await sleep(until: origin + time)
                do {
                    let document = try await client.fetchCluster(from: gateway).document
                    step = machine.clusterObserved(document, now: clock.now - origin)
                } catch {
                    step = machine.clusterUnreachable(reason: error.reason, now: clock.now - origin)
                }
            case .admin(let command, let target, let time):
                try await sleep(until: origin + time)
                do {
                    let reply = try await client.send(command, to: target.address, token: token)
                    if command == .restart && reply.isSuccess {
                        // The node closes its server and re-execs: its connection is of no further use.
                        await client.forget(target.address)
                    }
                    step = machine.adminAnswered(reply, now: clock.now - origin)
                } catch {
                    step = machine.adminFailed(error, now: clock.now - origin)
                }
            }
        }
    }

    private func sleep(until deadline: ContinuousClock.Instant) async throws(CLIError) {
        guard deadline > clock.now else { return }
        do {
            try await clock.sleep(until: deadline)
        } catch {
            throw CLIError("rolling restart interrupted", exitCode: 1)
        }
    }
}
