import Model
import NIOCore
import NIOHTTP1
import Testing

@testable import Gateway

/// A metric line: name, labels and value, as the Prometheus text format 0.0.4 writes it.
private struct Sample {
    var name: String
    var labels: [String: String]
    var value: Double
}

/// Parses an exposition strictly enough to enforce what `promtool check metrics` checks: every
/// sample belongs to a family announced by `# HELP` and `# TYPE` before it, counters end in
/// `_total`, names and labels are well formed, values parse, histograms are cumulative with a
/// `+Inf` bucket equal to `_count`.
private func parseExposition(_ text: String) throws -> [Sample] {
    var types: [String: String] = [:]
    var helps: Set<String> = []
    var samples: [Sample] = []
    #expect(text.hasSuffix("\n"))
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
        if line.hasPrefix("# HELP ") {
            let name = String(line.dropFirst(7).prefix(while: { $0 != " " }))
            #expect(helps.insert(name).inserted, "HELP twice for \(name)")
            continue
        }
        if line.hasPrefix("# TYPE ") {
            let parts = line.dropFirst(7).split(separator: " ")
            try #require(parts.count == 2, "\(line)")
            let name = String(parts[0])
            #expect(helps.contains(name), "TYPE before HELP for \(name)")
            #expect(types[name] == nil, "TYPE twice for \(name)")
            types[name] = String(parts[1])
            #expect(["counter", "gauge", "histogram"].contains(String(parts[1])))
            if parts[1] == "counter" { #expect(name.hasSuffix("_total"), "counter \(name) lacks _total") }
            continue
        }
        #expect(!line.hasPrefix("#"), "\(line)")
        let nameEnd = line.firstIndex(where: { $0 == "{" || $0 == " " }) ?? line.endIndex
        let name = String(line[..<nameEnd])
        #expect(name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }, "\(name)")
        var labels: [String: String] = [:]
        var rest = line[nameEnd...]
        if rest.first == "{" {
            let close = try #require(rest.firstIndex(of: "}"), "\(line)")
            for pair in rest[rest.index(after: rest.startIndex)..<close].split(separator: ",") {
                let equals = try #require(pair.firstIndex(of: "="))
                let value = pair[pair.index(after: equals)...]
                #expect(value.hasPrefix("\"") && value.hasSuffix("\""), "\(line)")
                labels[String(pair[..<equals])] = String(value.dropFirst().dropLast())
            }
            rest = rest[rest.index(after: close)...]
        }
        #expect(rest.first == " ", "\(line)")
        let valueText = rest.dropFirst()
        let value = try #require(valueText == "+Inf" ? Double.infinity : Double(valueText), "\(line)")
        let family =
            types[name] != nil
            ? name
            : ["_bucket", "_sum", "_count"].compactMap { suffix in
                name.hasSuffix(suffix) ? String(name.dropLast(suffix.count)) : nil
            }.first { types[$0] == "histogram" }
        #expect(family != nil, "sample \(name) has no TYPE before it")
        samples.append(Sample(name: name, labels: labels, value: value))
    }
    for (name, type) in types where type == "histogram" {
        let buckets = samples.filter { $0.name == name + "_bucket" }
        #expect(buckets.map(\.value) == buckets.map(\.value).sorted(), "\(name) buckets are not cumulative")
        #expect(buckets.last?.labels["le"] == "+Inf")
        #expect(buckets.last?.value == samples.first { $0.name == name + "_count" }?.value)
    }
    return samples
}

private func value(_ samples: [Sample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
    samples.first { $0.name == name && $0.labels == labels }?.value
}

@Suite(.timeLimit(.minutes(1))) struct NodeMetricsTests {
    @Test func exposesRequestsModelAndCacheFiguresInPrometheusFormat() async throws {
        let model = SyntheticModel()
        let batcher = DynamicBatcher(model: model)
        defer { batcher.shutdown() }
        let cache = EmbeddingCache(maxEntries: 100, maxBytes: 1 << 20)
        let responder = NodeResponder(
            embedders: ["synthetic": Embedder(model: model, batcher: batcher, cache: cache)],
            readiness: NodeReadiness(.ready), clusterStatus: { [] })
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        let body = ByteBuffer(string: #"{"model":"synthetic","input":["a b","c"]}"#)
        for _ in 0..<2 {
            let response = await responder.respond(
                to: HTTPRequest(method: .POST, target: "/v1/embeddings", headers: headers, body: body))
            #expect(response.status == .ok)
        }
        _ = await responder.respond(to: HTTPRequest(method: .GET, target: "/nope"))
        _ = await responder.respond(to: HTTPRequest(method: .GET, target: "/v1/embeddings"))

        let response = await responder.respond(to: HTTPRequest(method: .GET, target: "/metrics"))
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        let samples = try parseExposition(String(buffer: response.body))

        let requests = "murmur_http_requests_total"
        #expect(value(samples, requests, ["route": "/v1/embeddings", "status": "200"]) == 2)
        #expect(value(samples, requests, ["route": "/v1/embeddings", "status": "405"]) == 1)
        #expect(value(samples, requests, ["route": "other", "status": "404"]) == 1)
        #expect(value(samples, "murmur_http_requests_in_flight") == 1)
        #expect(value(samples, "murmur_embeddings_request_duration_seconds_count") == 2)
        #expect(value(samples, "murmur_embedded_texts_total", ["model": "synthetic"]) == 4)
        #expect(value(samples, "murmur_embedded_tokens_total", ["model": "synthetic"]) == 14)
        #expect(value(samples, "murmur_model_batches_total", ["model": "synthetic"]) == 1)
        #expect(value(samples, "murmur_model_texts_total", ["model": "synthetic"]) == 2)
        #expect(value(samples, "murmur_model_queue_texts", ["model": "synthetic"]) == 0)
        #expect(value(samples, "murmur_cache_hits_total") == 2)
        #expect(value(samples, "murmur_cache_misses_total") == 2)
        #expect(value(samples, "murmur_cache_entries") == 2)

        // The scrape itself is counted by the next one.
        let next = await responder.respond(to: HTTPRequest(method: .GET, target: "/metrics"))
        let later = try parseExposition(String(buffer: next.body))
        #expect(value(later, requests, ["route": "/metrics", "status": "200"]) == 1)
    }

    @Test func latencyBucketsAreCumulative() throws {
        let metrics = NodeMetrics()
        for milliseconds in [0, 3, 3, 40, 20_000] {
            metrics.start()
            metrics.finish(route: "/v1/embeddings", status: 200, served: nil, latency: .milliseconds(milliseconds))
        }
        let samples = try parseExposition(metrics.exposition(embedders: []))
        let bucket = "murmur_embeddings_request_duration_seconds_bucket"
        #expect(value(samples, bucket, ["le": "0.001"]) == 1)
        #expect(value(samples, bucket, ["le": "0.005"]) == 3)
        #expect(value(samples, bucket, ["le": "0.05"]) == 4)
        #expect(value(samples, bucket, ["le": "10.0"]) == 4)
        #expect(value(samples, bucket, ["le": "+Inf"]) == 5)
        let sum = try #require(value(samples, "murmur_embeddings_request_duration_seconds_sum"))
        #expect(abs(sum - 20.046) < 1e-9)
        #expect(value(samples, "murmur_http_requests_in_flight") == 0)
    }

    @Test func labelValuesAndHelpAreEscaped() {
        var text = PrometheusText()
        text.family("x_total", kind: .counter, help: "a \\ b\nc")
        text.sample("x_total", labels: ["model": "q\"\\\n"], value: 3)
        #expect(text.text == "# HELP x_total a \\\\ b\\nc\n# TYPE x_total counter\nx_total{model=\"q\\\"\\\\\\n\"} 3\n")
    }
}
