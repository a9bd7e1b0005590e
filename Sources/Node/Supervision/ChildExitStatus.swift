/// How a child process ended, decoded from a `waitpid` status word.
enum ChildExitStatus: Hashable, Sendable, CustomStringConvertible {
    case exited(code: Int32)
    case signaled(signal: Int32)

    /// Decodes the status `waitpid` stored; nil when it reports a stopped or continued process rather
    /// than an ended one. (The `WIFEXITED`/`WTERMSIG` macros are not imported into Swift.)
    init?(waitStatus status: Int32) {
        let low = status & 0x7f
        if low == 0 {
            self = .exited(code: (status >> 8) & 0xff)
        } else if low != 0x7f && (status & 0xffff) != 0xffff {
            self = .signaled(signal: low)
        } else {
            return nil
        }
    }

    /// `exit code 1` or `signal 9`, as printed in `node-1 exited (signal 9)`.
    var description: String {
        switch self {
        case .exited(let code): "exit code \(code)"
        case .signaled(let signal): "signal \(signal)"
        }
    }
}
