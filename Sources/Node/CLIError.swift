#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failure the CLI reports as one line on stderr, naming the problem (and file:line where there is one).
struct CLIError: Error, CustomStringConvertible {
    /// What went wrong, e.g. `input.jsonl:7: expected a JSON string or an object with a "text" string`.
    var message: String
    /// 2 for bad arguments, bad input and bad config (the CLI contract); 1 for failures at run time.
    var exitCode: Int32

    init(_ message: String, exitCode: Int32 = 2) {
        self.message = message
        self.exitCode = exitCode
    }

    var description: String { message }

    /// Writes `murmur: <message>` (or the bare message) as one line on stderr.
    static func report(_ message: String, prefix: Bool = true) {
        let line = (prefix ? "murmur: " : "") + message.replacingNewlines() + "\n"
        fputs(line, stderr)
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        String(self.map { $0.isNewline ? " " : $0 })
    }
}
