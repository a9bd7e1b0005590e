import Testing

@testable import Gateway

@Suite struct RequestWindowTests {
    static func at(_ milliseconds: Int) -> Duration { .milliseconds(milliseconds) }

    @Test func anEmptyWindowHasNoLatencies() {
        let summary = RequestWindow(origin: .zero).summary(at: .seconds(30))
        #expect(summary.requests == 0 && summary.requestsPerSecond == 0 && summary.errorsPerSecond == 0)
        #expect(summary.p50Milliseconds == nil && summary.p99Milliseconds == nil)
    }

    /// 20 requests a second for 30 s: the window sees the last ten seconds, 20 req/s.
    @Test func steadyTrafficGivesItsRate() {
        var window = RequestWindow(origin: .zero)
        for tick in 0..<600 {
            window.record(at: Self.at(tick * 50), latency: .milliseconds(5), failed: tick % 10 == 0)
        }
        let summary = window.summary(at: Self.at(29_999))
        #expect(summary.requests == 200)
        #expect(abs(summary.requestsPerSecond - 20) < 0.5, "\(summary.requestsPerSecond)")
        #expect(abs(summary.errorsPerSecond - 2) < 0.1, "\(summary.errorsPerSecond)")
        #expect(summary.failures == 20)
    }

    @Test func oldBucketsFallOutOfTheWindow() {
        var window = RequestWindow(origin: .zero)
        for tick in 0..<100 { window.record(at: Self.at(tick * 10), latency: .milliseconds(1), failed: false) }
        #expect(window.summary(at: .seconds(5)).requests == 100)
        #expect(window.summary(at: .milliseconds(9_999)).requests == 100)
        #expect(window.summary(at: .seconds(10)).requests == 0)
        // A bucket reused for a later second starts from zero.
        window.record(at: .milliseconds(10_500), latency: .milliseconds(1), failed: true)
        let later = window.summary(at: .milliseconds(10_600))
        #expect(later.requests == 1 && later.failures == 1)
    }

    /// A young window averages over its age (at least one second), not over ten seconds.
    @Test func aYoungWindowAveragesOverItsAge() {
        var window = RequestWindow(origin: .seconds(100))
        for tick in 0..<40 { window.record(at: .seconds(100) + Self.at(tick * 50), latency: .zero, failed: false) }
        let summary = window.summary(at: .seconds(102))
        #expect(abs(summary.requestsPerSecond - 20) < 0.01, "\(summary.requestsPerSecond)")
        var fresh = RequestWindow(origin: .seconds(7))
        fresh.record(at: .milliseconds(7_010), latency: .zero, failed: false)
        #expect(fresh.summary(at: .milliseconds(7_020)).requestsPerSecond == 1)
    }

    /// Latencies 1…1000 ms, one each: p50 ≈ 500 ms and p99 ≈ 990 ms within the bins' 6 %.
    @Test func percentilesAreWithinTheBinPrecision() throws {
        var window = RequestWindow(origin: .zero)
        for value in 1...1000 {
            window.record(at: .milliseconds(value), latency: .milliseconds(value), failed: false)
        }
        let summary = window.summary(at: .seconds(2))
        let p50 = try #require(summary.p50Milliseconds)
        let p99 = try #require(summary.p99Milliseconds)
        #expect(abs(p50 - 500) / 500 < 0.07, "p50 \(p50)")
        #expect(abs(p99 - 990) / 990 < 0.07, "p99 \(p99)")
        var tiny = RequestWindow(origin: .zero)
        tiny.record(at: .zero, latency: .microseconds(7), failed: false)
        #expect(tiny.summary(at: .zero).p99Milliseconds == 0.007)
    }

    @Test func binsAreMonotonicAndHoldTheirMidpoints() {
        var previous = -1
        let values = (0..<45).flatMap { exponent in
            [0, 1, 3].map { (UInt64(1) << UInt64(exponent)) + $0 }
        }
        for value in values.sorted() {
            let bin = RequestWindow.bin(ofMicroseconds: value)
            #expect(bin >= previous && bin < RequestWindow.latencyBins, "\(value)")
            previous = bin
        }
        for bin in 0..<(RequestWindow.latencyBins - 1) {
            let midpoint = RequestWindow.midpointMicroseconds(ofBin: bin)
            #expect(RequestWindow.bin(ofMicroseconds: UInt64(midpoint)) == bin, "bin \(bin)")
        }
        #expect(RequestWindow.bin(ofMicroseconds: .max) == RequestWindow.latencyBins - 1)
    }

    @Test func negativeAndHugeLatenciesAreClamped() {
        var window = RequestWindow(origin: .zero)
        window.record(at: .seconds(1), latency: .seconds(-3), failed: false)
        window.record(at: .seconds(1), latency: .seconds(9_000_000_000), failed: false)
        let summary = window.summary(at: .seconds(1))
        #expect(summary.requests == 2)
        #expect(summary.p50Milliseconds == 0)
        #expect((summary.p99Milliseconds ?? 0) > 1e9)
    }
}

@Suite struct TrafficLedgerTests {
    @Test func backendsAreKeptByIndexAndName() {
        var ledger = TrafficLedger()
        for tick in 0..<10 {
            ledger.recordBackendRequest(
                index: 0, name: "node-0", at: .milliseconds(tick * 100), latency: .milliseconds(2), failed: false)
        }
        ledger.recordBackendRequest(index: 3, name: "node-3", at: .seconds(1), latency: .milliseconds(4), failed: true)
        var summaries = ledger.backendSummaries(at: .seconds(2))
        #expect(summaries.keys.sorted() == ["node-0", "node-3"])
        #expect(summaries["node-0"]?.requests == 10)
        #expect(summaries["node-3"]?.failures == 1)
        // Index 0 reused by another backend: a fresh window, the old name gone.
        ledger.recordBackendRequest(index: 0, name: "node-9", at: .seconds(2), latency: .zero, failed: false)
        summaries = ledger.backendSummaries(at: .seconds(2))
        #expect(summaries["node-0"] == nil)
        #expect(summaries["node-9"]?.requests == 1)
        // node-3 coming back under another index keeps one window, the new one.
        ledger.recordBackendRequest(index: 5, name: "node-3", at: .seconds(3), latency: .zero, failed: false)
        summaries = ledger.backendSummaries(at: .seconds(3))
        #expect(summaries["node-3"]?.requests == 1 && summaries["node-3"]?.failures == 0)
        ledger.recordBackendRequest(index: -1, name: "bad", at: .seconds(3), latency: .zero, failed: false)
        #expect(ledger.backendSummaries(at: .seconds(3))["bad"] == nil)
    }

    @Test func clientRequestsHaveTheirOwnWindow() {
        var ledger = TrafficLedger()
        ledger.recordClientRequest(at: .seconds(11), latency: .milliseconds(3), failed: false)
        ledger.recordClientRequest(at: .seconds(11), latency: .milliseconds(3), failed: true)
        let summary = ledger.gateway.summary(at: .milliseconds(11_500))
        #expect(summary.requests == 2 && summary.failures == 1)
        #expect(abs(summary.requestsPerSecond - 2 / 9.5) < 1e-9)
        #expect(ledger.backendSummaries(at: .seconds(11)).isEmpty)
    }
}
