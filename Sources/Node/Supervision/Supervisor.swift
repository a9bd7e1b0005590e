import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs the children of a ``ClusterPlan`` and keeps them running: the I/O shell around the pure
/// ``CrashHistory``, ``StartupProgress`` and ``ShutdownPlan``.
///
/// One loop consumes ``SupervisorEvent``s in order and owns all state; small tasks feed it: a reaper
/// (`waitpid` every 50 ms), the stop signals, one readiness probe per starting child and one timer per
/// pending restart. The loop cancels every task it started before it returns.
struct Supervisor {
    let plan: ClusterPlan
    let shutdownPlan: ShutdownPlan
    /// The absolute path of the `murmur` binary the children run.
    let executable: String
    /// The children's whole environment.
    let environment: [String: String]
    var policy = RestartPolicy()
    /// Printed after the summary, e.g. `admin token in .murmur/admin-token`.
    let tokenNote: String
    /// Where children are started, so their death signal follows the supervisor process.
    let spawningThread = SpawningThread()

    static let reapInterval: Duration = .milliseconds(50)
    static let probeInterval: Duration = .milliseconds(200)

    /// Runs until the children are stopped; returns the process exit status (0 after a requested stop,
    /// 1 when every node was crash-looping).
    func run() async -> Int32 {
        let (events, continuation) = AsyncStream.makeStream(of: SupervisorEvent.self)
        let stopSignals = [SIGTERM, SIGINT, SIGHUP]
        signal(SIGPIPE, SIG_IGN)
        let queue = DispatchQueue(label: "murmur.up.signals")
        let sources = stopSignals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(.stopRequested(signal: number)) }
            source.resume()
            return source
        }
        defer { for source in sources { source.cancel() } }

        return await withDiscardingTaskGroup { group in
            group.addTask { await Self.reap(into: continuation) }
            var loop = SupervisorLoop(supervisor: self, continuation: continuation)
            await loop.start()
            for await event in events {
                await loop.handle(event)
                if let status = loop.finishedStatus {
                    loop.cancelTasks()
                    group.cancelAll()
                    continuation.finish()
                    return status
                }
            }
            // Only the `finish()` above ends the stream, so the loop never runs dry; were it to,
            // the run did not end as asked.
            return 1
        }
    }

    /// Reaps every ended child and reports it; polls, since children end rarely and 50 ms is prompt.
    private static func reap(into continuation: AsyncStream<SupervisorEvent>.Continuation) async {
        while !Task.isCancelled {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid > 0 {
                if let exit = ChildExitStatus(waitStatus: status) {
                    continuation.yield(.exited(pid: pid, status: exit))
                }
                continue
            }
            try? await Task.sleep(for: reapInterval)
        }
    }
}
