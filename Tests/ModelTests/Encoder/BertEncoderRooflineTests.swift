import Testing

@testable import Model

@Suite struct BertEncoderRooflineTests {
    @Test func countsLinearAndAttentionOperationsOfMiniLM() throws {
        let encoder = try BertEncoder(directory: try EncoderTestFiles.modelDirectory(), threads: 1)
        // Per token and layer: Q|K|V 384×1152, attention output 384×384, FFN 384×1536 twice.
        let weightsPerLayer: Double = 384 * 1152 + 384 * 384 + 2 * 384 * 1536
        let linearPerToken: Double = 2 * weightsPerLayer
        // Per sequence and layer: QKᵀ and softmax·V, 2·length²·384 each.
        let attentionPerLayer: Double = 4 * (9 + 25) * 384
        let expected: Double = 6 * (8 * linearPerToken + attentionPerLayer)
        #expect(encoder.forwardOperations(sequenceLengths: [3, 5]) == expected)
        #expect(encoder.forwardOperations(sequenceLengths: []) == 0)
        // Packing does not change the count: two passes cost what one pass of both costs.
        let separate =
            encoder.forwardOperations(sequenceLengths: [3]) + encoder.forwardOperations(sequenceLengths: [5])
        #expect(separate == expected)
    }

    @Test func measuresAPositiveFiniteSgemmRateAndLeavesEmbeddingsUnchanged() throws {
        let encoder = try BertEncoder(directory: try EncoderTestFiles.modelDirectory(), threads: 1)
        let row = try #require(try EncoderTestFiles.referenceRows().first)
        let before = try encoder.embed([row.input_ids])
        let rate = encoder.measureLinearProductRate(rows: 4, minimumDuration: .zero)
        #expect(rate > 0 && rate.isFinite)
        #expect(encoder.measureLinearProductRate(rows: 0) == 0)
        // The measurement scribbles on the scratch buffers; the next forward pass must not care.
        let after = try encoder.embed([row.input_ids])
        #expect(after == before)
    }
}
