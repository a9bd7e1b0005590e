import Gateway
import Testing

@testable import Node

@Suite struct EmbeddingsAnswerScanTests {
    private func scan(_ text: String, rows: Int) -> EmbeddingsAnswerScan.Outcome {
        Array(text.utf8).withUnsafeBytes { EmbeddingsAnswerScan.scan($0, expectedRows: rows) }
    }

    @Test func acceptsWhatTheServerWritesInBothFormats() {
        let response = EmbeddingsResponse(
            model: "synthetic", vectors: [0.5, -0.25, 1, 0, 0.125, 2], dimension: 3, promptTokens: 17)
        for format in EmbeddingsRequest.EncodingFormat.allCases {
            let body = response.encoded(format: format)
            let outcome = body.withUnsafeBytes { EmbeddingsAnswerScan.scan($0, expectedRows: 2) }
            #expect(outcome == .valid(promptTokens: 17), "\(format)")
        }
    }

    @Test func acceptsAnyKeyOrderAndSpacing() {
        let body = """
            { "usage" : { "total_tokens": 9, "prompt_tokens" :  9 },
              "data": [ {"index": 0, "embedding": "AAAA", "note": "say \\"index\\" here"} ], "model": "m" }
            """
        #expect(scan(body, rows: 1) == .valid(promptTokens: 9))
    }

    @Test func rejectsWrongRowCountsMissingUsageAndNonObjects() {
        let twoRows = #"{"data":[{"index":0},{"index":1}],"usage":{"prompt_tokens":4}}"#
        #expect(scan(twoRows, rows: 2) == .valid(promptTokens: 4))
        #expect(scan(twoRows, rows: 1) == .invalid(reason: "2 embeddings for 1 inputs"))
        #expect(scan(#"{"data":[{"index":0}]}"#, rows: 1) == .invalid(reason: "no \"prompt_tokens\""))
        #expect(
            scan(#"{"data":[{"index":0}],"usage":{"prompt_tokens":"4"}}"#, rows: 1)
                == .invalid(reason: "\"prompt_tokens\" is not an integer"))
        for bad in ["", "   ", "[]", "{", "<html>", #"{"error":{"message":"x"}"#] {
            if case .valid = scan(bad, rows: 1) { Issue.record("accepted \(bad)") }
        }
    }
}
