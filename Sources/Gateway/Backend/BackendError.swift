/// Why a request to a backend failed, and whether the backend may have processed it.
///
/// ``classification`` is what the router needs: a ``Classification/notProcessed`` failure never
/// reached the model (connect refused, REFUSED_STREAM, a stream above a GOAWAY's last-stream-id,
/// the connection closing before any byte of the response, a full wait queue), so retrying it on
/// another backend is always safe; a ``Classification/maybeProcessed`` failure (timeout or reset
/// after the request was sent) may have run, so it is retried only within a retry budget.
public struct BackendError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Whether the backend may have acted on the request.
    public enum Classification: String, Hashable, Sendable {
        /// The backend certainly did not process the request: retrying elsewhere is safe.
        case notProcessed = "not processed"
        /// The request reached the backend and may have been processed.
        case maybeProcessed = "maybe processed"
    }

    /// What kind of failure this is. A struct rather than an enum so that codes can be added
    /// without breaking callers that switch over them.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case connectFailed = "connect failed"
            case poolExhausted = "pool exhausted"
            case refusedStream = "refused stream"
            case goAway = "goaway"
            case connectionClosed = "connection closed"
            case streamReset = "stream reset"
            case timedOut = "timed out"
            case invalidResponse = "invalid response"
            case cancelled = "cancelled"
            case shutdown = "shut down"
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// Connecting failed (refused, unreachable, timed out, no HTTP/2 SETTINGS), or the pool is
        /// backing off after such failures.
        public static let connectFailed = Code(.connectFailed)
        /// Every stream is busy and the wait queue is full.
        public static let poolExhausted = Code(.poolExhausted)
        /// The backend refused the stream (RST_STREAM REFUSED_STREAM) before processing it.
        public static let refusedStream = Code(.refusedStream)
        /// The backend sent GOAWAY and this stream was above its last-stream-id, or was opened after it.
        public static let goAway = Code(.goAway)
        /// The connection closed before the response was complete.
        public static let connectionClosed = Code(.connectionClosed)
        /// The backend reset the stream (RST_STREAM other than REFUSED_STREAM).
        public static let streamReset = Code(.streamReset)
        /// The request's deadline passed.
        public static let timedOut = Code(.timedOut)
        /// The response broke HTTP/2 rules or the pool's limits (e.g. body too large).
        public static let invalidResponse = Code(.invalidResponse)
        /// The calling task was cancelled.
        public static let cancelled = Code(.cancelled)
        /// The pool is shutting down.
        public static let shutdown = Code(.shutdown)

        public var description: String { base.rawValue }
    }

    public var code: Code
    public var classification: Classification
    /// What happened, for logs and operators.
    public var message: String

    public init(code: Code, classification: Classification, message: String) {
        self.code = code
        self.classification = classification
        self.message = message
    }

    /// True when the backend certainly did not process the request.
    public var isSafeToRetry: Bool { classification == .notProcessed }

    public var description: String { "\(code) (\(classification.rawValue)): \(message)" }
}
