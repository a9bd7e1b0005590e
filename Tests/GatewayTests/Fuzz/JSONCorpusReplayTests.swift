import Testing

@testable import Gateway

/// Replays the `json` fuzz corpus (seeds and regression inputs) through the property its
/// libFuzzer target checks.
@Suite struct JSONCorpusReplayTests {
    @Test func everyBodyKeepsTheRequestDecoderProperty() throws {
        let corpus = try FuzzCorpus("json")
        for input in corpus.inputs {
            #expect(EmbeddingsRequestProperty.violation(input.bytes) == nil, "json/\(input.name)")
        }
        // The property's round-trip half only runs on bodies that are valid requests.
        #expect(
            corpus.inputs.contains { body in
                (try? JSONParser.parse(body.bytes)).flatMap { try? EmbeddingsRequest.decode($0) } != nil
            })
    }
}
