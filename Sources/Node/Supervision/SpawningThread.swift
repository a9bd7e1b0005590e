import Foundation
import Synchronization

/// The one thread that starts `murmur up`'s children, alive for as long as the supervisor process.
///
/// Linux sends a child's `PR_SET_PDEATHSIG` signal when the *thread* that created it exits, not only
/// when its process does. Concurrency pool threads come and go (an idle one exits after a few
/// seconds), so a child spawned from one would be sent SIGTERM at a random moment. This thread never
/// exits: it waits for spawn requests and runs ``ChildLauncher/launch`` for each, so the signal
/// comes exactly when the supervisor dies.
final class SpawningThread: Sendable {
    private struct Request: Sendable {
        let executable: String
        let arguments: [String]
        let environment: [String: String]
        let logPath: String
        let banner: String
        let continuation: CheckedContinuation<pid_t, any Error>
    }

    private let requests = Mutex<[Request]>([])
    private let pending = DispatchSemaphore(value: 0)

    init() {
        // The thread holds `self` for good: both live as long as the process.
        let thread = Thread { [self] in serve() }
        thread.name = "murmur-up-spawn"
        thread.start()
    }

    private func serve() -> Never {
        while true {
            pending.wait()
            guard let request = requests.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
            do {
                let pid = try ChildLauncher.launch(
                    executable: request.executable,
                    arguments: request.arguments,
                    environment: request.environment,
                    logPath: request.logPath,
                    banner: request.banner
                )
                request.continuation.resume(returning: pid)
            } catch {
                request.continuation.resume(throwing: error)
            }
        }
    }

    /// Starts a child on this thread (see ``ChildLauncher/launch``); throws its ``SupervisorError``.
    func launch(
        executable: String, arguments: [String], environment: [String: String], logPath: String, banner: String
    ) async throws -> pid_t {
        try await withCheckedThrowingContinuation { continuation in
            let request = Request(
                executable: executable, arguments: arguments, environment: environment, logPath: logPath,
                banner: banner, continuation: continuation)
            requests.withLock { $0.append(request) }
            pending.signal()
        }
    }
}
