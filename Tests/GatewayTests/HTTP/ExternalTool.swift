import Foundation

/// Runs an installed HTTP client (curl, nghttp, openssl) as an independent peer for the server.
final class ExternalTool: @unchecked Sendable {
    // @unchecked: `process` and the pipe are set up in init and only read afterwards; Process itself
    // is thread-safe for terminate/isRunning.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private let process: Process
    private let stdout: Pipe
    private let stderr: Pipe
    private let finished: Task<Int32, Never>

    /// Starts `tool` (looked up in /usr/bin and /bin) with `arguments`.
    init(_ tool: String, _ arguments: [String]) throws {
        guard
            let path = ["/usr/bin/\(tool)", "/bin/\(tool)", "/usr/local/bin/\(tool)"]
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else {
            throw Failure(description: "\(tool) is not installed; the HTTP interop tests need it (apt-get install it).")
        }
        let process = Process()
        let stdout = Pipe()
        let stderr = Pipe()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = stdout
        process.standardError = stderr
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { process in
            continuation.yield(process.terminationStatus)
            continuation.finish()
        }
        try process.run()
        self.process = process
        self.stdout = stdout
        self.stderr = stderr
        self.finished = Task {
            for await status in stream { return status }
            return -1
        }
    }

    /// Runs `tool` to completion.
    static func run(_ tool: String, _ arguments: [String]) async throws -> Output {
        try await ExternalTool(tool, arguments).output()
    }

    func terminate() {
        process.terminate()
    }

    /// Waits for the tool to exit; its output is read after exit (the tests' outputs fit a pipe).
    func output() async -> Output {
        let stdoutHandle = stdout.fileHandleForReading
        let stderrHandle = stderr.fileHandleForReading
        // Drain both pipes while waiting, so a chatty tool never blocks on a full pipe.
        async let out = Task.detached { stdoutHandle.readDataToEndOfFile() }.value
        async let err = Task.detached { stderrHandle.readDataToEndOfFile() }.value
        let status = await finished.value
        return Output(
            status: status,
            stdout: String(decoding: await out, as: UTF8.self),
            stderr: String(decoding: await err, as: UTF8.self)
        )
    }
}
