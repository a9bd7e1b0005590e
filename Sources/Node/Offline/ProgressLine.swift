#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A self-overwriting progress line on stderr, shown only when stderr is a terminal and redrawn at most
/// five times a second, so redirected output and logs stay clean.
struct ProgressLine {
    private let verb: String
    private let clock: ContinuousClock
    private let started: ContinuousClock.Instant
    private let enabled: Bool
    private var lastDraw: ContinuousClock.Instant
    private var drawn = false

    init(verb: String, clock: ContinuousClock) {
        self.verb = verb
        self.clock = clock
        self.started = clock.now
        self.lastDraw = started
        self.enabled = isatty(2) == 1
    }

    mutating func update(texts: Int, tokens: Int) {
        guard enabled else { return }
        let now = clock.now
        guard now - lastDraw >= .milliseconds(200) else { return }
        lastDraw = now
        let seconds = (now - started).inSeconds
        let rate = seconds > 0 ? Int((Double(tokens) / seconds).rounded()) : 0
        writeToStandardError("\r\u{1B}[2K\(verb) \(texts) texts, \(tokens) tokens (\(rate) tokens/s)")
        drawn = true
    }

    /// Clears the line so the final summary starts on a clean line.
    mutating func finish() {
        guard enabled, drawn else { return }
        writeToStandardError("\r\u{1B}[2K")
        drawn = false
    }
}
