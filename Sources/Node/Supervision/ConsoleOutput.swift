/// What `murmur up` prints on stdout: whole lines, plus one live progress line that a terminal
/// redraws in place. When stdout is not a terminal the progress is printed as ordinary lines, each
/// only when it changed, so logs and tests read it line by line.
struct ConsoleOutput {
    private let isTerminal: Bool
    /// The progress line currently shown on the terminal, redrawn under any line printed meanwhile.
    private var liveLine: String?
    private var lastProgress: String?

    init(isTerminal: Bool = TerminalOutput.isTerminal) {
        self.isTerminal = isTerminal
    }

    /// Prints a line above the progress line, if one is shown.
    mutating func print(_ line: String) {
        if isTerminal, let liveLine {
            emit("\r\u{1B}[2K" + line + "\n" + liveLine)
        } else {
            emit(line + "\n")
        }
    }

    /// Shows `line` as the progress line (replacing the previous one).
    mutating func progress(_ line: String) {
        guard line != lastProgress else { return }
        lastProgress = line
        if isTerminal {
            liveLine = line
            emit("\r\u{1B}[2K" + line)
        } else {
            emit(line + "\n")
        }
    }

    /// Removes the progress line; later lines print normally.
    mutating func endProgress() {
        if isTerminal, liveLine != nil { emit("\r\u{1B}[2K") }
        liveLine = nil
        lastProgress = nil
    }

    private func emit(_ text: String) {
        TerminalOutput.write(text)
    }
}
