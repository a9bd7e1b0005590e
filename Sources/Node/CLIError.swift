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
        writeToStandardError((prefix ? "murmur: " : "") + message.replacingNewlines() + "\n")
    }
}

/// Writes text to file descriptor 2 in one call (no shared `FILE*` state, so safe from any thread).
func writeToStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        String(self.map { $0.isNewline ? " " : $0 })
    }
}
