import ArgumentParser
import Foundation
import Gateway
import NIOCore

/// `murmur bench`: a load generator for the embeddings API over HTTP/2 (h2c), closed loop by default
/// or open loop on a fixed timetable with `--rate`.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Load-test the embeddings API: req/s, texts/s, tokens/s, latency percentiles, errors by kind.",
        discussion: """
            Without --rate the run is closed loop: each of the C x S streams sends its next request when the \
            previous answer arrives. With --rate R requests are due on a fixed timetable (R per second) and \
            latency counts from the due time, so a stalled server is charged for every request it delayed. \
            Errors are reported, not fatal: the exit status is 0 when the run completed, 2 for bad arguments.
            """
    )

    @Option(help: "Where to send requests (h2c); a URL without a path targets /v1/embeddings.")
    var url = "http://127.0.0.1:8080"

    @Option(name: [.customShort("c"), .long], help: "HTTP/2 connections.")
    var concurrency = 4

    @Option(name: [.customShort("m"), .long], help: "Concurrent streams per connection.")
    var streamsPerConnection = 8

    @Option(help: "Measured time, like 30s or 1m (default 10s unless --requests is given).")
    var duration: String?

    @Option(name: [.customShort("n"), .long], help: "Send exactly this many requests instead of running for a time.")
    var requests: Int?

    @Option(help: "Open loop: requests per second on a fixed timetable (default: closed loop).")
    var rate: Double?

    @Option(help: "Load sent before the measured run and not recorded, like 2s.")
    var warmup = "0s"

    @Option(help: "A request without a complete answer after this long counts as a timeout.")
    var timeout = "30s"

    @Option(help: "The model to ask for.")
    var model = "all-MiniLM-L6-v2"

    @Option(help: "JSON Lines texts (a JSON string or an object with \"text\" per line); - for stdin.")
    var input: String?

    @Option(help: "Generated texts: words per text, a count like 16 or a uniform range like 8-64.")
    var lengths: String?

    @Option(help: "Seed of the generated texts (same seed, same texts).")
    var seed: UInt64 = 1

    @Option(help: "How many distinct texts to generate (requests cycle through them).")
    var texts = 1_000

    @Option(help: "Texts per request.")
    var inputsPerRequest = 1

    @Option(help: "Ask for float (JSON numbers) or base64 embeddings.")
    var encodingFormat = "float"

    @Flag(help: "Print one JSON object with the parameters and every figure instead of the text report.")
    var json = false

    @Flag(help: .hidden)
    var sharedPool = false

    func validate() throws {
        _ = try parameters()
    }

    /// The validated run, without touching the input file or the network.
    func parameters() throws(CLIError) -> BenchParameters {
        let target = try BenchTarget(url: url)
        guard concurrency >= 1, concurrency <= 1_024 else { throw CLIError("--concurrency must be 1...1024") }
        guard streamsPerConnection >= 1, streamsPerConnection <= 1_000 else {
            throw CLIError("--streams-per-connection must be 1...1000")
        }
        let stop: BenchParameters.Stop
        switch (duration, requests) {
        case (.some, .some):
            throw CLIError("give --duration or --requests, not both")
        case (let text?, nil):
            let value = try Self.duration(text, option: "--duration")
            guard value > .zero else { throw CLIError("--duration must be more than 0") }
            stop = .duration(value)
        case (nil, let count?):
            guard count >= 1 else { throw CLIError("--requests must be at least 1") }
            stop = .requests(count)
        case (nil, nil):
            stop = .duration(.seconds(10))
        }
        if let rate {
            guard rate.isFinite, rate > 0, rate <= 1_000_000 else {
                throw CLIError("--rate must be a number of requests per second in (0, 1000000]")
            }
        }
        let warmup = try Self.duration(warmup, option: "--warmup")
        let timeout = try Self.duration(timeout, option: "--timeout")
        guard timeout > .zero else { throw CLIError("--timeout must be more than 0") }
        guard !model.isEmpty else { throw CLIError("--model must not be empty") }
        guard inputsPerRequest >= 1, inputsPerRequest <= 2_048 else {
            throw CLIError("--inputs-per-request must be 1...2048")
        }
        let inputs: BenchParameters.Inputs
        if let input {
            guard lengths == nil else { throw CLIError("give --input or --lengths, not both") }
            guard !input.isEmpty else { throw CLIError("--input must name a file, or - for stdin") }
            inputs = .file(input)
        } else {
            guard texts >= 1, texts <= 1_000_000 else { throw CLIError("--texts must be 1...1000000") }
            let range = try lengths.map { text throws(CLIError) in try WordCountRange(text: text) }
            inputs = .generated(lengths: range ?? WordCountRange(8...64), seed: seed, count: texts)
        }
        guard let format = EmbeddingsRequest.EncodingFormat(rawValue: encodingFormat) else {
            throw CLIError("--encoding-format must be float or base64, not '\(encodingFormat)'")
        }
        return BenchParameters(
            target: target, concurrency: concurrency, streamsPerConnection: streamsPerConnection, stop: stop,
            rate: rate, warmup: warmup, timeout: timeout, model: model, inputsPerRequest: inputsPerRequest,
            inputs: inputs, encodingFormat: format, json: json, sharesOnePool: sharedPool)
    }

    func run() async throws {
        let parameters = try parameters()
        let texts = try Self.texts(for: parameters.inputs)
        let bodies = RequestBodies(
            texts: texts, inputsPerRequest: parameters.inputsPerRequest, model: parameters.model,
            encodingFormat: parameters.encodingFormat)
        let address: SocketAddress
        do {
            address = try SocketAddress.makeAddressResolvingHost(parameters.target.host, port: parameters.target.port)
        } catch {
            throw CLIError("--url \(parameters.target.url): cannot resolve host '\(parameters.target.host)'")
        }
        let summary = await BenchRunner(parameters: parameters, bodies: bodies, address: address).run()
        let output = parameters.json ? summary.json() + "\n" : summary.text()
        FileHandle.standardOutput.write(Data(output.utf8))
    }

    private static func duration(_ text: String, option: String) throws(CLIError) -> Duration {
        do {
            return try Duration(configurationText: text)
        } catch {
            throw CLIError("\(option): \(error.message)")
        }
    }

    private static func texts(for inputs: BenchParameters.Inputs) throws(CLIError) -> [String] {
        switch inputs {
        case .generated(let lengths, let seed, let count):
            var generator = TextGenerator(lengths: lengths, seed: seed)
            return generator.texts(count: count)
        case .file(let path):
            var reader = try JSONLinesInput(path: path)
            var texts: [String] = []
            while let (_, text) = try reader.next() { texts.append(text) }
            guard !texts.isEmpty else { throw CLIError("\(reader.displayName): no texts in the input") }
            return texts
        }
    }
}
