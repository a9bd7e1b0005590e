import Gateway

/// Why a benchmark request did not count as a success, by the kinds a person tells apart when a run
/// goes wrong: the server is not there, too slow, dropped the request, said no, or answered garbage.
enum BenchFailure: Int, CaseIterable, Hashable, Sendable {
    /// No connection: refused, unreachable, no HTTP/2 SETTINGS in time, or backing off after that.
    case connect
    /// No complete answer before `--timeout`.
    case timeout
    /// The stream or connection was reset, refused (REFUSED_STREAM), closed or cut by GOAWAY.
    case reset
    /// A 4xx status.
    case http4xx
    /// A 5xx status.
    case http5xx
    /// Another non-2xx status (1xx, 3xx).
    case httpOther
    /// A 2xx answer that is not an embeddings response for the inputs sent (or breaks HTTP/2 rules).
    case badBody
    /// Anything else (the client's own limits, cancellation).
    case other

    /// The key in `--json` output and the label in the text report.
    var name: String {
        switch self {
        case .connect: "connect"
        case .timeout: "timeout"
        case .reset: "reset"
        case .http4xx: "http_4xx"
        case .http5xx: "http_5xx"
        case .httpOther: "http_other"
        case .badBody: "bad_body"
        case .other: "other"
        }
    }

    /// The kind of a client-side failure.
    init(_ error: BackendError) {
        switch error.code {
        case .connectFailed: self = .connect
        case .timedOut: self = .timeout
        case .refusedStream, .streamReset, .goAway, .connectionClosed: self = .reset
        case .invalidResponse: self = .badBody
        default: self = .other
        }
    }

    /// The kind of a non-2xx status, or nil for 2xx.
    init?(status: Int) {
        switch status {
        case 200..<300: return nil
        case 400..<500: self = .http4xx
        case 500..<600: self = .http5xx
        default: self = .httpOther
        }
    }
}
