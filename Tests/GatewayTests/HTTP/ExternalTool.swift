import Foundation

/// Runs an installed HTTP client (curl, nghttp, openssl) as an independent peer for the server.
/// Output goes to temporary files rather than pipes, so nothing blocks a thread of the (small)
/// cooperative pool that the server under test also runs on.
final class ExternalTool: @unchecked Sendable {
    // @unchecked: every stored property is immutable after init; `process` is only kept so the
    // running child's Process object (and its termination handler) stays alive.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private let process: Process
    private let processID: Int32
    private let stdoutURL: URL
    private let stderrURL: URL
    private let finished: Task<Int32, Never>

    /// Starts `tool` (looked up in /usr/bin, /bin and /usr/local/bin) with `arguments`.
    init(_ tool: String, _ arguments: [String]) throws {
        guard
            let path = ["/usr/bin/\(tool)", "/bin/\(tool)", "/usr/local/bin/\(tool)"]
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else {
            throw Failure(description: "\(tool) is not installed; the HTTP interop tests need it (apt-get install it).")
        }
        let directory = FileManager.default.temporaryDirectory
        let stdoutURL = directory.appendingPathComponent("murmur-tool-\(UUID()).out")
        let stderrURL = directory.appendingPathComponent("murmur-tool-\(UUID()).err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { process in
            continuation.yield(process.terminationStatus)
            continuation.finish()
        }
        try process.run()
        self.process = process
        self.processID = process.processIdentifier
        self.stdoutURL = stdoutURL
        self.stderrURL = stderrURL
        self.finished = Task {
            for await status in stream { return status }
            return -1
        }
    }

    /// Runs `tool` to completion.
    static func run(_ tool: String, _ arguments: [String]) async throws -> Output {
        try await ExternalTool(tool, arguments).output()
    }

    /// Kills the client outright, so its connection vanishes mid-request. SIGKILL because the
    /// child inherits the test process's blocked-signal mask, which can hold back SIGTERM.
    func kill() {
        _ = Foundation.kill(processID, SIGKILL)
    }

    /// Waits for the tool to exit and returns what it printed.
    func output() async -> Output {
        let status = await finished.value
        defer {
            try? FileManager.default.removeItem(at: stdoutURL)
            try? FileManager.default.removeItem(at: stderrURL)
        }
        return Output(
            status: status,
            stdout: (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
        )
    }
}
