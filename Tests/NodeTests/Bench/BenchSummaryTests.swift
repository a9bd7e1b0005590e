import Foundation
import Gateway
import Testing

@testable import Node

@Suite struct BenchSummaryTests {
    private func parameters(rate: Double? = nil) throws -> BenchParameters {
        var arguments = ["--requests", "6", "--model", "synthetic", "--url", "http://127.0.0.1:9/"]
        if let rate { arguments += ["--rate", "\(rate)"] }
        return try BenchCommand.parse(arguments).parameters()
    }

    private func tally() -> BenchTally {
        var first = BenchTally()
        first.recordSuccess(latencyNanoseconds: 1_000_000, texts: 1, tokens: 10)
        first.recordStatus(200)
        first.recordSuccess(latencyNanoseconds: 3_000_000, texts: 1, tokens: 12)
        first.recordStatus(200)
        first.recordFailure(.connect)
        first.recordCompletion(atOffset: 1_500_000_000)
        var second = BenchTally()
        second.recordSuccess(latencyNanoseconds: 2_000_000, texts: 1, tokens: 8)
        second.recordStatus(200)
        second.recordFailure(.http5xx)
        second.recordStatus(503)
        second.recordFailure(.http4xx)
        second.recordStatus(429)
        second.lateSends = 2
        second.recordCompletion(atOffset: 2_000_000_000)
        first.merge(second)
        return first
    }

    @Test func mergedTalliesAddUp() {
        let tally = tally()
        #expect(tally.succeeded == 3 && tally.failed == 3 && tally.completed == 6)
        #expect(tally.texts == 3 && tally.tokens == 30)
        #expect(tally.count(of: .connect) == 1 && tally.count(of: .http5xx) == 1 && tally.count(of: .http4xx) == 1)
        #expect(tally.statuses == [200: 3, 503: 1, 429: 1])
        #expect(tally.latencyMicroseconds.totalCount == 3)
        #expect(tally.lastCompletionOffset == 2_000_000_000)
        #expect(tally.lateSends == 2)
    }

    @Test func jsonCarriesParametersRatesPercentilesAndErrors() throws {
        let summary = BenchSummary(
            parameters: try parameters(rate: 4), tally: tally(), elapsedNanoseconds: 2_000_000_000)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(summary.json().utf8)) as? [String: Any])
        let parameters = try #require(object["parameters"] as? [String: Any])
        #expect(parameters["mode"] as? String == "open")
        #expect(parameters["rate"] as? Double == 4)
        #expect(parameters["requests"] as? Int == 6)
        #expect(parameters["model"] as? String == "synthetic")
        #expect(parameters["streams_per_connection"] as? Int == 8)
        #expect(parameters["lengths"] as? String == "8-64")
        let requests = try #require(object["requests"] as? [String: Int])
        #expect(requests == ["total": 6, "succeeded": 3, "failed": 3])
        #expect(object["req_per_s"] as? Double == 1.5)
        #expect(object["texts_per_s"] as? Double == 1.5)
        #expect(object["tokens_per_s"] as? Double == 15)
        #expect(object["late_sends"] as? Int == 2)
        let latency = try #require(object["latency_ms"] as? [String: Double])
        let p50 = try #require(latency["p50"])
        let p99 = try #require(latency["p99"])
        let maximum = try #require(latency["max"])
        #expect(abs(p50 - 2) < 0.01 && abs(maximum - 3) < 0.01 && p50 <= p99 && p99 <= maximum)
        let errors = try #require(object["errors"] as? [String: Int])
        #expect(Set(errors.keys) == Set(BenchFailure.allCases.map(\.name)))
        #expect(errors["connect"] == 1 && errors["http_5xx"] == 1 && errors["http_4xx"] == 1 && errors["timeout"] == 0)
        #expect(object["statuses"] as? [String: Int] == ["200": 3, "503": 1, "429": 1])
        let text = summary.text()
        #expect(text.contains("open loop at 4.00 req/s, 6 requests"))
        #expect(text.contains("late sends: 2 requests"))
        #expect(text.contains("(from due time)"))
    }

    @Test func textReportShowsEveryFigure() throws {
        let summary = BenchSummary(parameters: try parameters(), tally: tally(), elapsedNanoseconds: 2_000_000_000)
        let text = summary.text()
        #expect(text.contains("closed loop, 6 requests"))
        #expect(text.contains("requests:   6 in 2.00 s: 3 succeeded, 3 failed"))
        #expect(text.contains("throughput: 1.50 req/s, 1.50 texts/s, 15.0 tokens/s"))
        #expect(text.contains("p50 2.00 ms"))
        #expect(text.contains("max 3.00 ms"))
        #expect(text.contains("connect 1, timeout 0, reset 0, http_4xx 1, http_5xx 1"))
        #expect(text.contains("statuses:   429 x1, 503 x1"))
        #expect(!text.contains("late sends"))
        #expect(summary.lateSends == nil)
    }

    @Test func aRunWithoutSuccessesHasNoLatency() throws {
        var tally = BenchTally()
        tally.recordFailure(.connect)
        let summary = BenchSummary(parameters: try parameters(), tally: tally, elapsedNanoseconds: 0)
        #expect(summary.latencyMs == nil && summary.reqPerS == 0)
        #expect(summary.text().contains("no successful requests"))
        #expect(!summary.json().contains("latency_ms"))
    }

    @Test func requestBodiesCycleThroughTheTexts() throws {
        let bodies = RequestBodies(
            texts: ["a", "b", "c"], inputsPerRequest: 2, model: "m", encodingFormat: .base64)
        #expect(bodies.buffers.count == 3)
        let decoded = try (0..<4).map { ticket in
            try EmbeddingsRequest.decode(bodies.body(forTicket: ticket))
        }
        #expect(
            decoded.map(\.input) == [
                .texts(["a", "b"]), .texts(["c", "a"]), .texts(["b", "c"]), .texts(["a", "b"]),
            ])
        #expect(decoded.allSatisfy { $0.model == "m" && $0.encodingFormat == .base64 })
    }
}
