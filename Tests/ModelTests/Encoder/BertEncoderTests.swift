import Foundation
import Testing

@testable import Model

@Suite struct BertEncoderTests {
    static func cosine(_ a: ArraySlice<Float>, _ b: [Float]) -> Double {
        var dot = 0.0
        var aa = 0.0
        var bb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            aa += Double(x) * Double(x)
            bb += Double(y) * Double(y)
        }
        return dot / (aa.squareRoot() * bb.squareRoot())
    }

    @Test func matchesSentenceTransformersBatchedAndOneAtATime() throws {
        let encoder = try BertEncoder(directory: try EncoderTestFiles.modelDirectory(), threads: 2)
        #expect(encoder.dimension == 384)
        #expect(encoder.maxSequenceLength == 512)
        let rows = try EncoderTestFiles.referenceRows()
        try #require(rows.count == 32)

        let batched = try encoder.embed(rows.map(\.input_ids))
        try #require(batched.count == rows.count * 384)
        for (index, row) in rows.enumerated() {
            let single = try encoder.embed([row.input_ids])
            let fromBatch = batched[(index * 384)..<((index + 1) * 384)]
            let batchCosine = Self.cosine(fromBatch, row.embedding)
            let singleCosine = Self.cosine(single[...], row.embedding)
            #expect(batchCosine >= 0.99999, "row \(index) batched: cosine \(batchCosine) for '\(row.text)'")
            #expect(singleCosine >= 0.99999, "row \(index) alone: cosine \(singleCosine) for '\(row.text)'")
            let difference = zip(fromBatch, single).map { abs($0 - $1) }.max() ?? 0
            #expect(difference < 1e-5, "row \(index): batched and single runs differ by \(difference)")
            let norm = single.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
    }

    @Test func splitsLargeRequestsIntoPassesWithoutChangingResults() throws {
        let directory = try EncoderTestFiles.modelDirectory()
        let rows = try EncoderTestFiles.referenceRows().prefix(8)
        let whole = try BertEncoder(directory: directory, threads: 1)
        let split = try BertEncoder(directory: directory, threads: 1, maximumPassTokens: 30)
        let inputs = rows.map(\.input_ids)
        let expected = try whole.embed(inputs)
        let actual = try split.embed(inputs)
        try #require(actual.count == expected.count)
        let difference = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(difference < 1e-5)
        // A second call reuses (and, for a longer input, grows) the scratch buffers.
        let again = try split.embed(inputs.reversed())
        for index in 0..<inputs.count {
            let reversedIndex = inputs.count - 1 - index
            let a = again[(reversedIndex * 384)..<((reversedIndex + 1) * 384)]
            let b = expected[(index * 384)..<((index + 1) * 384)]
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }

    @Test func longestSequenceIsAccepted() throws {
        let encoder = try BertEncoder(directory: try EncoderTestFiles.modelDirectory(), threads: 1)
        let ids: [Int32] = [101] + (0..<510).map { Int32(1000 + $0 * 37 % 29000) } + [102]
        let embedding = try encoder.embed([ids])
        #expect(embedding.count == 384)
        #expect(embedding.allSatisfy { $0.isFinite })
    }

    @Test func invalidInputsThrowAndDoNotCrash() throws {
        let encoder = try BertEncoder(directory: try EncoderTestFiles.modelDirectory(), threads: 1)
        #expect(try encoder.embed([]) == [])
        let cases: [([[Int32]], String)] = [
            ([[101, 102], []], "input 1 is empty"),
            ([[Int32](repeating: 1000, count: 513)], "513 tokens"),
            ([[101, -1, 102]], "token id -1"),
            ([[101, 30522, 102]], "token id 30522"),
            ([[101, Int32.max]], "token id \(Int32.max)"),
        ]
        for (inputs, fragment) in cases {
            let error = #expect(throws: ModelError.self) { _ = try encoder.embed(inputs) }
            #expect(error == .invalidInput(error?.message ?? ""))
            #expect(error?.message.contains(fragment) == true, "'\(fragment)' not in \(String(describing: error))")
        }
        // The encoder still works after rejecting bad input.
        #expect(try encoder.embed([[101, 7592, 102]]).count == 384)
    }

    @Test func loadErrorsNameTheFile() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("murmur-no-model-\(UUID())").path
        let error = #expect(throws: ModelError.self) { _ = try BertEncoder(directory: missing) }
        #expect(error == .fileNotFound(error?.message ?? ""))
        #expect(error?.message.contains("config.json") == true)

        let threads = #expect(throws: ModelError.self) {
            _ = try BertEncoder(directory: try EncoderTestFiles.modelDirectory(), threads: 0)
        }
        #expect(threads == .invalidInput(threads?.message ?? ""))
    }

    /// A config that disagrees with the weights is caught at load time, naming the tensor.
    @Test func configDisagreeingWithWeightsIsATensorMismatch() throws {
        let modelDirectory = try EncoderTestFiles.modelDirectory()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("murmur-bad-config-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createSymbolicLink(
            atPath: directory.appendingPathComponent("model.safetensors").path,
            withDestinationPath: modelDirectory + "/model.safetensors")
        let config = try String(contentsOfFile: modelDirectory + "/config.json", encoding: .utf8)

        try config.replacingOccurrences(of: "\"intermediate_size\": 1536", with: "\"intermediate_size\": 1024")
            .write(to: directory.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let inner = #expect(throws: ModelError.self) { _ = try BertEncoder(directory: directory.path) }
        #expect(inner == .tensorMismatch(inner?.message ?? ""))
        #expect(inner?.message.contains("encoder.layer.0.intermediate.dense.weight") == true)
        #expect(inner?.message.contains("model.safetensors") == true)

        try config.replacingOccurrences(of: "\"num_hidden_layers\": 6", with: "\"num_hidden_layers\": 7")
            .write(to: directory.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let layers = #expect(throws: ModelError.self) { _ = try BertEncoder(directory: directory.path) }
        #expect(layers == .missingTensor(layers?.message ?? ""))
        #expect(layers?.message.contains("encoder.layer.6.") == true)
    }
}
