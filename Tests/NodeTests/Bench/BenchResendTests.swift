import Gateway
import Testing

@testable import Node

/// Which failed sends `murmur bench` repeats: those a server refused unprocessed (what a client
/// honouring GOAWAY retries), a bounded number of times.
@Suite struct BenchResendTests {
    private func error(_ code: BackendError.Code, _ classification: BackendError.Classification) -> BackendError {
        BackendError(code: code, classification: classification, message: "test")
    }

    @Test func refusedUnprocessedSendsAreRepeated() {
        for code in [BackendError.Code.goAway, .refusedStream, .connectionClosed] {
            #expect(BenchRunner.shouldResend(after: error(code, .notProcessed), attempt: 1))
            #expect(BenchRunner.shouldResend(after: error(code, .notProcessed), attempt: BenchRunner.maximumSends - 1))
            #expect(!BenchRunner.shouldResend(after: error(code, .notProcessed), attempt: BenchRunner.maximumSends))
        }
    }

    @Test func otherFailuresAreReported() {
        #expect(!BenchRunner.shouldResend(after: error(.connectionClosed, .maybeProcessed), attempt: 1))
        #expect(!BenchRunner.shouldResend(after: error(.streamReset, .maybeProcessed), attempt: 1))
        #expect(!BenchRunner.shouldResend(after: error(.connectFailed, .notProcessed), attempt: 1))
        #expect(!BenchRunner.shouldResend(after: error(.poolExhausted, .notProcessed), attempt: 1))
        #expect(!BenchRunner.shouldResend(after: error(.timedOut, .maybeProcessed), attempt: 1))
    }
}
