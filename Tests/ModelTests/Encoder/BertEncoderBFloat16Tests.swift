import Testing

@testable import Model

@Suite struct BertEncoderBFloat16Tests {
    @Test(.enabled(if: PackedBFloat16Matrix.cpuSupported, "this CPU has no AVX512-BF16"))
    func bf16MatchesSentenceTransformersBatchedAndAlone() throws {
        let directory = try EncoderTestFiles.modelDirectory()
        let rows = try EncoderTestFiles.referenceRows()
        try #require(rows.count == 32)
        let encoder = try BertEncoder(
            directory: directory, threads: 1, precision: .bf16, accuracyCheckInputs: rows.prefix(8).map(\.input_ids))
        #expect(encoder.precision == .bf16)
        #expect(encoder.precisionReason.hasPrefix("bf16 (min cosine to fp32 0.9999"))
        #expect(
            encoder.weights.layers.allSatisfy { layer in
                if case .bf16 = layer.qkvWeight, case .bf16 = layer.attentionOutputWeight,
                    case .bf16 = layer.intermediateWeight, case .bf16 = layer.outputWeight
                {
                    return true
                }
                return false
            })

        let batched = try encoder.embed(rows.map(\.input_ids))
        try #require(batched.count == rows.count * 384)
        var lowest = 1.0
        for (index, row) in rows.enumerated() {
            let single = try encoder.embed([row.input_ids])
            let batchCosine = BertEncoderTests.cosine(batched[(index * 384)..<((index + 1) * 384)], row.embedding)
            let singleCosine = BertEncoderTests.cosine(single[...], row.embedding)
            lowest = min(lowest, batchCosine, singleCosine)
            #expect(batchCosine >= 0.9999, "row \(index) batched: cosine \(batchCosine) for '\(row.text)'")
            #expect(singleCosine >= 0.9999, "row \(index) alone: cosine \(singleCosine) for '\(row.text)'")
        }
        #expect(lowest < 0.999_999_9, "bf16 rounding should move the embeddings a little, lowest \(lowest)")
    }

    @Test func autoFollowsTheCPUAndFp32KeepsFp32Weights() throws {
        let directory = try EncoderTestFiles.modelDirectory()
        let inputs = try EncoderTestFiles.referenceRows().prefix(4).map(\.input_ids)
        let automatic = try BertEncoder(directory: directory, threads: 1, precision: .auto, accuracyCheckInputs: inputs)
        #expect(automatic.precision == (PackedBFloat16Matrix.cpuSupported ? .bf16 : .fp32))
        let fp32 = try BertEncoder(directory: directory, threads: 1, precision: .fp32)
        #expect(fp32.precision == .fp32)
        #expect(fp32.precisionReason == "fp32 (requested)")
        guard case .fp32 = try #require(fp32.weights.layers.first).qkvWeight else {
            Issue.record("fp32 weights were packed")
            return
        }
    }

    @Test func checkWithoutInputsIsAClearError() throws {
        let directory = try EncoderTestFiles.modelDirectory()
        if PackedBFloat16Matrix.cpuSupported {
            let error = #expect(throws: ModelError.self) {
                _ = try BertEncoder(directory: directory, threads: 1, precision: .auto)
            }
            #expect(error?.message.contains("accuracy check needs at least one input") == true)
        } else {
            let error = #expect(throws: ModelError.self) {
                _ = try BertEncoder(directory: directory, threads: 1, precision: .bf16)
            }
            #expect(error?.message.contains("AVX512-BF16") == true)
        }
    }

    @Test func sentenceModelRunsTheBuiltInCheck() throws {
        let model = try SentenceEmbeddingModel(directory: try EncoderTestFiles.modelDirectory(), precision: .auto)
        #expect(SentenceEmbeddingModel.accuracyCheckSentences.count == 16)
        if PackedBFloat16Matrix.cpuSupported {
            #expect(model.encoder.precision == .bf16, "\(model.encoder.precisionReason)")
        } else {
            #expect(model.encoder.precision == .fp32)
        }
    }
}
