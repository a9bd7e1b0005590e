/// How a request to a backend went wrong, as the backend pool observed it.
public enum BackendFailure: Sendable, Hashable {
    /// The connection could not be opened (refused, unreachable, TLS or h2 handshake failed).
    case connectFailed
    /// The stream or connection was reset or closed before any response header arrived.
    case resetBeforeResponse
    /// The server's GOAWAY named a last stream id below this stream: it was never processed.
    case goAwayUnprocessed
    /// The server refused the stream (`REFUSED_STREAM`): it was never processed.
    case refusedStream
    /// No complete response within the per-try timeout.
    case timeout
    /// The stream was reset or the connection closed after the response headers arrived.
    case resetAfterHeaders
    /// The backend answered with this non-2xx status.
    case status(Int)

    /// Whether the backend may have processed the request, which decides whether a retry is free.
    public var failureClass: FailureClass {
        switch self {
        case .connectFailed, .resetBeforeResponse, .goAwayUnprocessed, .refusedStream:
            return .notProcessed
        case .timeout, .resetAfterHeaders:
            return .maybeProcessed
        case .status(503):
            // A node answers 503 only when it is draining or not ready yet: it did no work.
            return .notProcessed
        case .status(429):
            return .overloaded
        case .status:
            return .final
        }
    }

    /// Whether the failure counts toward passive outlier ejection: transport faults, timeouts
    /// and server errors do; the graceful signals (GOAWAY, REFUSED_STREAM, 503 while draining),
    /// overload (429) and the client's own errors (4xx) do not, so a draining or busy node is not
    /// ejected and then kept out after it is back.
    public var countsTowardEjection: Bool {
        switch self {
        case .connectFailed, .resetBeforeResponse, .timeout, .resetAfterHeaders:
            return true
        case .goAwayUnprocessed, .refusedStream:
            return false
        case .status(let code):
            return code >= 500 && code != 503
        }
    }
}

/// Whether a failed request may be sent again, and at what cost.
public enum FailureClass: Sendable, Hashable {
    /// The backend certainly did not process it: always retried on another backend (within the
    /// attempt limit).
    case notProcessed
    /// It may have been processed (inference is idempotent): retried only within the retry budget.
    case maybeProcessed
    /// The backend was over its concurrency limit (429): retried once on another backend, within
    /// the budget; a second 429 goes back to the client, whose `Retry-After` is the right remedy.
    case overloaded
    /// A definite answer (4xx, other 5xx): returned as is.
    case final
}
