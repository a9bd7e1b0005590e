import Foundation
import Testing

@testable import Model

/// The real all-MiniLM-L6-v2 tokenizer and the fixtures made with Hugging Face `tokenizers`,
/// found relative to this file. Tests that use them fail, not skip, when the model is missing.
enum MiniLMTokenizer {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Tokenizer
        .deletingLastPathComponent()  // ModelTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    static let vocabularyPath = repositoryRoot.appendingPathComponent(".models/all-MiniLM-L6-v2/vocab.txt").path

    private static let loaded: Result<WordPieceTokenizer, ModelError> = Result {
        () throws(ModelError) -> WordPieceTokenizer in
        try WordPieceTokenizer(vocabularyFile: vocabularyPath)
    }

    /// The tokenizer loaded from the model's `vocab.txt`, or an error telling how to get it.
    static func load() throws -> WordPieceTokenizer {
        switch loaded {
        case .success(let tokenizer):
            return tokenizer
        case .failure(let error):
            throw FixtureError(
                "the all-MiniLM-L6-v2 model is missing (\(error.message)); "
                    + "run `make model` to install it under .models/all-MiniLM-L6-v2/")
        }
    }

    struct FixtureRow: Decodable {
        let text: String
        let inputIDs: [Int32]

        enum CodingKeys: String, CodingKey {
            case text
            case inputIDs = "input_ids"
        }
    }

    private struct Fixture: Decodable {
        let rows: [FixtureRow]
    }

    /// The rows of `Tests/ModelTests/Fixtures/<name>`.
    static func fixtureRows(_ name: String) throws -> [FixtureRow] {
        let url = repositoryRoot.appendingPathComponent("Tests/ModelTests/Fixtures/\(name)")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw FixtureError("fixture \(name) is missing from Tests/ModelTests/Fixtures")
        }
        return try JSONDecoder().decode(Fixture.self, from: data).rows
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
