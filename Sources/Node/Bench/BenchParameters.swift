import Gateway

/// A validated `murmur bench` run, frozen before any request is sent.
struct BenchParameters: Hashable, Sendable {
    /// When the measured part of a run ends.
    enum Stop: Hashable, Sendable {
        /// Requests are started (closed loop) or due (open loop) until this much time has passed.
        case duration(Duration)
        /// Exactly this many requests are sent.
        case requests(Int)
    }

    /// Where the texts come from.
    enum Inputs: Hashable, Sendable {
        /// A JSON Lines file like `murmur embed` reads (`-` for standard input).
        case file(String)
        /// `count` texts from a ``TextGenerator``.
        case generated(lengths: WordCountRange, seed: UInt64, count: Int)
    }

    var target: BenchTarget
    /// Connections, each an HTTP/2 connection of its own.
    var concurrency: Int
    /// Streams each connection keeps busy at most.
    var streamsPerConnection: Int
    var stop: Stop
    /// Open loop: requests per second on a fixed timetable. Nil: closed loop.
    var rate: Double?
    /// Load sent before the measured part and not recorded (zero: none).
    var warmup: Duration
    /// How long a request may take before it counts as a timeout.
    var timeout: Duration
    var model: String
    var inputsPerRequest: Int
    var inputs: Inputs
    var encodingFormat: EmbeddingsRequest.EncodingFormat
    /// Print one JSON object instead of the text report.
    var json: Bool
    /// One pool of `concurrency` connections for every stream, instead of one pool per connection
    /// (kept to compare the two layouts' overhead).
    var sharesOnePool = false

    /// Requests in flight at most: every stream of every connection.
    var streams: Int { concurrency * streamsPerConnection }

    /// The open-loop timetable, or nil for a closed-loop run.
    var timetable: OpenLoopTimetable? { rate.map(OpenLoopTimetable.init(rate:)) }
}
