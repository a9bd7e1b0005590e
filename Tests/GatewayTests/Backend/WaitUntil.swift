import Testing

/// Waits for `condition` to hold, checking every few milliseconds, and fails the test with `what`
/// if it does not hold within `timeout`. A wait for a condition, never a sleep standing in for one.
func waitUntil(
    _ what: String,
    timeout: Duration = .seconds(10),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while try await !condition() {
        guard clock.now < deadline else {
            Issue.record("timed out after \(timeout) waiting until \(what)", sourceLocation: sourceLocation)
            throw WaitTimedOut()
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// Thrown by ``waitUntil(_:timeout:sourceLocation:_:)`` when the condition never held.
struct WaitTimedOut: Error {}
