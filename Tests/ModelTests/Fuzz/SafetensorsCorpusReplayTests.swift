import Testing

@testable import Model

/// Replays the `safetensors` fuzz corpus (seeds and regression inputs) through the property its
/// libFuzzer target checks.
@Suite struct SafetensorsCorpusReplayTests {
    @Test func everyInputKeepsTheHeaderProperty() throws {
        let corpus = try FuzzCorpus("safetensors")
        for input in corpus.inputs {
            #expect(SafetensorsHeaderProperty.violation(input.bytes) == nil, "safetensors/\(input.name)")
        }
        // The property's invariant half only runs on headers the reader accepts.
        #expect(
            corpus.inputs.contains { input in
                input.bytes.withUnsafeBytes { (try? SafetensorsFile.parse(fileBytes: $0, path: input.name)) != nil }
            })
    }
}
