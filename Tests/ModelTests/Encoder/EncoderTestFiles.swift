import Foundation
import Testing

/// Paths of the real model and the reference fixture, found relative to this source file.
enum EncoderTestFiles {
    static let modelsRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../.models").standardized

    /// The model directory; fails the calling test (not skips it) when the weights are missing.
    static func modelDirectory(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let directory = modelsRoot.appendingPathComponent("all-MiniLM-L6-v2").path
        try #require(
            FileManager.default.fileExists(atPath: directory + "/model.safetensors"),
            "all-MiniLM-L6-v2 weights missing at \(directory): run `make model` to unpack them",
            sourceLocation: sourceLocation)
        return directory
    }

    struct Row: Decodable {
        var text: String
        var input_ids: [Int32]
        var embedding: [Float]
    }

    struct Fixture: Decodable {
        var rows: [Row]
    }

    /// The 32 reference rows: Hugging Face token ids and sentence-transformers embeddings.
    static func referenceRows() throws -> [Row] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/minilm-reference.json").standardized
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url)).rows
    }
}
