import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SIGHUP, a gateway's request to restart in place, as an async sequence.
///
/// The signal's default action would end the process, so it is ignored at the process level and
/// observed through a Dispatch signal source instead (the way ServiceLifecycle handles SIGTERM).
/// The ignored disposition survives `execve`: a SIGHUP that reaches the next image before it
/// listens again is dropped rather than killing it.
enum RestartSignal {
    /// The signal that asks for a restart.
    static let number = SIGHUP

    /// One element per SIGHUP received from now on (several arriving at once may count as one),
    /// until the consumer stops iterating.
    static func arrivals() -> AsyncStream<Void> {
        signal(number, SIG_IGN)
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        // Dispatch sources are thread-safe (libdispatch objects may be used from any thread), but the
        // Swift overlay does not mark them Sendable; the stream's termination handler cancels it.
        nonisolated(unsafe) let source = DispatchSource.makeSignalSource(
            signal: number, queue: DispatchQueue(label: "murmur.sighup"))
        source.setEventHandler { continuation.yield() }
        continuation.onTermination = { _ in source.cancel() }
        source.resume()
        return stream
    }
}
