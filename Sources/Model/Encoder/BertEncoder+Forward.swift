import COpenBLAS

extension BertEncoder {
    /// Runs the encoder on `inputs` (already validated) packed into `tokenCount` rows, writing one
    /// pooled, normalised row per input to `output`.
    func forward(
        _ inputs: ArraySlice<[Int32]>, tokenCount: Int, scratch: inout EncoderScratch,
        output: UnsafeMutableBufferPointer<Float>
    ) {
        let config = weights.config
        let hidden = config.hiddenSize
        let qkvWidth = 3 * hidden
        let inner = config.intermediateSize
        let longest = inputs.reduce(0) { max($0, $1.count) }
        scratch.reserve(tokens: tokenCount, longest: longest, hiddenSize: hidden, wideSize: max(qkvWidth, inner))
        if weights.precision == .bf16 {
            scratch.reserveActivations(
                PackedBFloat16Matrix.scratchCount(inputRows: tokenCount, rows: max(hidden, inner)))
        }
        let activations = scratch.activations
        guard let states = scratch.hidden.baseAddress, let wide = scratch.wide.baseAddress,
            let context = scratch.context.baseAddress, let projected = scratch.projected.baseAddress,
            let scores = scratch.scores.baseAddress, let pooled = output.baseAddress
        else { return }
        let epsilon = config.layerNormEpsilon

        embed(inputs, into: states)

        for layer in weights.layers {
            // Q|K|V for every token of the batch in one product: [tokens, hidden] × [hidden, 3·hidden].
            multiply(
                states, layer.qkvWeight, into: wide, rows: tokenCount, columns: qkvWidth, inner: hidden,
                activations: activations)
            EncoderKernels.addBias(wide, rows: tokenCount, width: qkvWidth, bias: layer.qkvBias.start)

            var row = 0
            for ids in inputs {
                attend(qkv: wide + row * qkvWidth, length: ids.count, scores: scores, context: context + row * hidden)
                row += ids.count
            }

            multiply(
                context, layer.attentionOutputWeight, into: projected, rows: tokenCount, columns: hidden, inner: hidden,
                activations: activations)
            EncoderKernels.addBiasResidualLayerNorm(
                projected: projected, bias: layer.attentionOutputBias.start, hidden: states, rows: tokenCount,
                width: hidden, gamma: layer.attentionNormWeight.start, beta: layer.attentionNormBias.start,
                epsilon: epsilon)

            multiply(
                states, layer.intermediateWeight, into: wide, rows: tokenCount, columns: inner, inner: hidden,
                activations: activations)
            EncoderKernels.addBiasGELU(wide, rows: tokenCount, width: inner, bias: layer.intermediateBias.start)

            multiply(
                wide, layer.outputWeight, into: projected, rows: tokenCount, columns: hidden, inner: inner,
                activations: activations)
            EncoderKernels.addBiasResidualLayerNorm(
                projected: projected, bias: layer.outputBias.start, hidden: states, rows: tokenCount, width: hidden,
                gamma: layer.outputNormWeight.start, beta: layer.outputNormBias.start, epsilon: epsilon)
        }

        var row = 0
        for (index, ids) in inputs.enumerated() {
            EncoderKernels.meanPoolNormalized(
                states + row * hidden, rows: ids.count, width: hidden, output: pooled + index * hidden)
            row += ids.count
        }
    }

    /// Word + position + token-type-0 embeddings, then LayerNorm, for every token.
    private func embed(_ inputs: ArraySlice<[Int32]>, into states: UnsafeMutablePointer<Float>) {
        let hidden = weights.config.hiddenSize
        let words = weights.wordEmbeddings.start
        let positions = weights.positionEmbeddings.start
        let tokenType = weights.tokenTypeEmbeddings.start
        var row = 0
        for ids in inputs {
            for (position, id) in ids.enumerated() {
                let output = states + row * hidden
                let word = words + Int(id) * hidden
                let place = positions + position * hidden
                for index in 0..<hidden {
                    output[index] = word[index] + place[index] + tokenType[index]
                }
                EncoderKernels.layerNorm(
                    output, width: hidden, gamma: weights.embeddingNormWeight.start,
                    beta: weights.embeddingNormBias.start, epsilon: weights.config.layerNormEpsilon)
                row += 1
            }
        }
    }

    /// Self-attention for one sequence of `length` tokens whose packed Q|K|V rows start at `qkv`,
    /// writing `[length, hidden]` context rows. Q, K and V of a head are strided views of those rows
    /// (leading dimension 3·hidden), so nothing is copied or transposed.
    private func attend(
        qkv: UnsafeMutablePointer<Float>, length: Int, scores: UnsafeMutablePointer<Float>,
        context: UnsafeMutablePointer<Float>
    ) {
        let config = weights.config
        let hidden = config.hiddenSize
        let headSize = config.headSize
        let stride = Int32(3 * hidden)
        let n = Int32(length)
        let scale = 1 / Float(headSize).squareRoot()
        for head in 0..<config.attentionHeads {
            let query = qkv + head * headSize
            let key = query + hidden
            let value = key + hidden
            // scores = Q Kᵀ / √headSize
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, n, n, Int32(headSize), scale, query, stride, key, stride, 0,
                scores, n)
            EncoderKernels.softmaxRows(scores, rows: length, width: length)
            // context[:, head] = softmax(scores) V
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, n, Int32(headSize), n, 1, scores, n, value, stride, 0,
                context + head * headSize, Int32(hidden))
        }
    }

    /// `output[rows, columns] = input[rows, inner] × weight[inner, columns]` (a PyTorch Linear
    /// without its bias, its weight stored transposed by `BertWeights`), row-major and densely packed:
    /// OpenBLAS sgemm for fp32 weights, the AVX512-BF16 kernel (using `activations` as its scratch)
    /// for packed bf16 ones.
    func multiply(
        _ input: UnsafePointer<Float>, _ weight: BertLinearWeight, into output: UnsafeMutablePointer<Float>,
        rows: Int, columns: Int, inner: Int, activations: UnsafeMutableBufferPointer<UInt16>
    ) {
        switch weight {
        case .fp32(let matrix):
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(columns), Int32(inner), 1, input,
                Int32(inner), matrix.start, Int32(columns), 0, output, Int32(columns))
        case .bf16(let matrix):
            // `BertWeights` only packs bf16 weights after the CPU check, with the shapes used here, and
            // `forward` reserves `activations` for them, so this cannot fail; the kernel checks anyway.
            let done = matrix.multiply(
                UnsafeBufferPointer(start: input, count: rows * inner), inputRows: rows, scratch: activations,
                into: UnsafeMutableBufferPointer(start: output, count: rows * columns))
            assert(done, "bf16 product [\(rows), \(inner)] × [\(matrix.rows), \(matrix.columns)] refused")
        }
    }
}

extension UnsafeBufferPointer where Element == Float {
    /// The base address of a buffer the loader has checked to be non-empty.
    ///
    /// Every weight view comes from `SafetensorsFile.floats` with a shape whose dimensions are all
    /// positive (checked `BertConfig` sizes), so `baseAddress` is never nil here.
    fileprivate var start: UnsafePointer<Float> { baseAddress! }
}
