import Foundation
import Histogram

/// The figures of a finished run, in the shape `--json` prints (snake_case keys) and the text report
/// reads. Built from the parameters, the merged tally and the measured time; no I/O.
struct BenchSummary: Encodable, Sendable {
    struct Parameters: Encodable, Sendable {
        var url: String
        var mode: String
        var concurrency: Int
        var streamsPerConnection: Int
        var rate: Double?
        var durationS: Double?
        var requests: Int?
        var warmupS: Double
        var timeoutS: Double
        var model: String
        var inputsPerRequest: Int
        var input: String
        var lengths: String?
        var seed: UInt64?
        var distinctTexts: Int?
        var encodingFormat: String
    }

    struct Counts: Encodable, Sendable {
        var total: Int
        var succeeded: Int
        var failed: Int
    }

    /// Milliseconds; nil when no request succeeded.
    struct Latency: Encodable, Sendable {
        var p50: Double
        var p90: Double
        var p99: Double
        var p99_9: Double
        var max: Double
        var mean: Double
    }

    var parameters: Parameters
    var elapsedS: Double
    var requests: Counts
    var texts: Int
    var tokens: Int
    var reqPerS: Double
    var textsPerS: Double
    var tokensPerS: Double
    var latencyMs: Latency?
    /// Failed requests by kind, every kind present (zeros included) so scripts need no defaults.
    var errors: [String: Int]
    /// Answered statuses by code, e.g. `{"200": 980, "429": 20}`.
    var statuses: [String: Int]
    /// Sends repeated because the server refused them unprocessed (GOAWAY above the stream,
    /// REFUSED_STREAM, closed before answering); each request still counts once in `requests`.
    var resends: Int
    /// Open loop only: sends later than 1 ms after their due time (every stream busy, or the machine
    /// too loaded for the generator to send on time).
    var lateSends: Int?

    init(parameters: BenchParameters, tally: BenchTally, elapsedNanoseconds: Int64) {
        let seconds = Double(elapsedNanoseconds) / 1e9
        self.parameters = Parameters(parameters)
        elapsedS = seconds
        requests = Counts(total: tally.completed, succeeded: tally.succeeded, failed: tally.failed)
        resends = tally.resends
        texts = tally.texts
        tokens = tally.tokens
        reqPerS = seconds > 0 ? Double(tally.succeeded) / seconds : 0
        textsPerS = seconds > 0 ? Double(tally.texts) / seconds : 0
        tokensPerS = seconds > 0 ? Double(tally.tokens) / seconds : 0
        let histogram = tally.latencyMicroseconds
        if histogram.totalCount > 0 {
            func milliseconds(_ microseconds: UInt64) -> Double { Double(microseconds) / 1_000 }
            latencyMs = Latency(
                p50: milliseconds(histogram.valueAtPercentile(50)),
                p90: milliseconds(histogram.valueAtPercentile(90)),
                p99: milliseconds(histogram.valueAtPercentile(99)),
                p99_9: milliseconds(histogram.valueAtPercentile(99.9)),
                max: milliseconds(histogram.max),
                mean: histogram.mean / 1_000
            )
        }
        var errors: [String: Int] = [:]
        for failure in BenchFailure.allCases { errors[failure.name] = tally.count(of: failure) }
        self.errors = errors
        statuses = Dictionary(uniqueKeysWithValues: tally.statuses.map { (String($0.key), $0.value) })
        lateSends = parameters.rate == nil ? nil : tally.lateSends
    }

    /// One JSON object with sorted keys (stable for diffs and scripts).
    func json() -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        // Every value is a plain number, string, or dictionary of those: encoding cannot fail.
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension BenchSummary.Parameters {
    init(_ parameters: BenchParameters) {
        url = parameters.target.url
        mode = parameters.rate == nil ? "closed" : "open"
        concurrency = parameters.concurrency
        streamsPerConnection = parameters.streamsPerConnection
        rate = parameters.rate
        switch parameters.stop {
        case .duration(let duration): durationS = duration.inSeconds
        case .requests(let count): requests = count
        }
        warmupS = parameters.warmup.inSeconds
        timeoutS = parameters.timeout.inSeconds
        model = parameters.model
        inputsPerRequest = parameters.inputsPerRequest
        switch parameters.inputs {
        case .file(let path): input = path
        case .generated(let lengths, let seed, let count):
            input = "generated"
            self.lengths = lengths.description
            self.seed = seed
            distinctTexts = count
        }
        encodingFormat = parameters.encodingFormat.rawValue
    }
}
