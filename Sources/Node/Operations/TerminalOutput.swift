#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Standard output written straight to file descriptor 1, so progress lines appear at once even
/// when stdout is a pipe (no `FILE*` buffer to flush, nothing lost on `_exit`).
enum TerminalOutput {
    /// Whether standard output is a terminal (where redrawing in place makes sense).
    static var isTerminal: Bool { isatty(1) == 1 }

    /// Writes `text` whole (retrying short writes and EINTR).
    static func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(1, base + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    /// Writes `line` and a newline.
    static func line(_ line: String) {
        write(line + "\n")
    }
}
