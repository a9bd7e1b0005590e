import Foundation
import Testing

@testable import Model

@Suite struct BertConfigTests {
    static let valid = """
        {"vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
         "intermediate_size": 1536, "max_position_embeddings": 512, "type_vocab_size": 2,
         "layer_norm_eps": 1e-12, "hidden_act": "gelu", "position_embedding_type": "absolute"}
        """

    func parse(_ json: String) throws(ModelError) -> BertConfig {
        try BertConfig(json: Data(json.utf8), path: "dir/config.json")
    }

    @Test func readsSizes() throws {
        let config = try parse(Self.valid)
        #expect(config.hiddenSize == 384 && config.attentionHeads == 12 && config.headSize == 32)
        #expect(config.layerCount == 6 && config.intermediateSize == 1536 && config.maxPositions == 512)
        #expect(config.vocabularySize == 30522 && config.typeVocabularySize == 2)
        #expect(config.layerNormEpsilon == 1e-12)
    }

    @Test func rejectsBadConfigsNamingTheFileAndKey() {
        let cases: [(String, String)] = [
            ("{", "not valid JSON"),
            ("[]", "not a JSON object"),
            (Self.valid.replacingOccurrences(of: "\"hidden_size\": 384,", with: ""), "'hidden_size'"),
            (
                Self.valid.replacingOccurrences(of: "\"hidden_size\": 384", with: "\"hidden_size\": -384"),
                "'hidden_size'"
            ),
            (
                Self.valid.replacingOccurrences(of: "\"num_hidden_layers\": 6", with: "\"num_hidden_layers\": \"6\""),
                "'num_hidden_layers'"
            ),
            (
                Self.valid.replacingOccurrences(of: "\"num_attention_heads\": 12", with: "\"num_attention_heads\": 7"),
                "not divisible"
            ),
            (Self.valid.replacingOccurrences(of: "\"gelu\"", with: "\"relu\""), "hidden_act"),
            (Self.valid.replacingOccurrences(of: "\"absolute\"", with: "\"relative_key\""), "position_embedding_type"),
        ]
        for (json, fragment) in cases {
            let error = #expect(throws: ModelError.self) { _ = try parse(json) }
            #expect(error == .invalidFile(error?.message ?? ""))
            #expect(error?.message.contains("dir/config.json") == true)
            #expect(error?.message.contains(fragment) == true, "'\(fragment)' not in \(String(describing: error))")
        }
    }

    @Test func missingConfigIsFileNotFound() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("murmur-\(UUID())/config.json").path
        let error = #expect(throws: ModelError.self) { _ = try BertConfig(path: path) }
        #expect(error == .fileNotFound(error?.message ?? ""))
        #expect(error?.message.contains(path) == true)
    }
}
