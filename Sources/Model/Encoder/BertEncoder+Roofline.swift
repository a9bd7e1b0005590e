import COpenBLAS

extension BertEncoder {
    /// Floating-point operations (multiply and add counted apart) of the forward passes over
    /// sequences of these lengths: the linear layers (`2·tokens·in·out` each) and the attention
    /// products (`QKᵀ` and `softmax·V`, `2·length²·hidden` each per layer). The element-wise work
    /// (bias, GELU, softmax, LayerNorm, pooling) is left out, as FLOP counts for BERT usually do;
    /// even counting GELU's polynomial it is about 2% of the operations.
    public func forwardOperations(sequenceLengths: some Sequence<Int>) -> Double {
        let hidden = Double(weights.config.hiddenSize)
        let layers = Double(weights.config.layerCount)
        var tokens = 0.0
        var squares = 0.0
        for length in sequenceLengths {
            tokens += Double(length)
            squares += Double(length) * Double(length)
        }
        return linearOperations(rows: tokens) + layers * 4 * squares * hidden
    }

    /// The best rate, in FLOP/s, at which this encoder runs its linear products (the four of each
    /// layer, on its weights: OpenBLAS sgemm with its thread setting for fp32, the bf16 kernel for bf16) for a pass of `rows`
    /// packed tokens: the roofline the forward pass is measured against, since these products are
    /// over 95% of its operations. Repeats whole passes for at least `minimumDuration` (and at
    /// least three), keeping the fastest; returns 0 when `rows < 1`.
    public func measureLinearProductRate(rows: Int, minimumDuration: Duration = .milliseconds(500)) -> Double {
        guard rows >= 1 else { return 0 }
        let config = weights.config
        let hidden = config.hiddenSize
        let inner = config.intermediateSize
        let clock = ContinuousClock()
        let fastest: Duration? = scratch.withLock { scratch in
            scratch.reserve(tokens: rows, longest: 1, hiddenSize: hidden, wideSize: max(3 * hidden, inner))
            if weights.precision == .bf16 {
                let widest = max(hidden, inner)
                scratch.reserveActivations(PackedBFloat16Matrix.scratchCount(inputRows: rows, rows: widest))
            }
            let activations = scratch.activations
            guard let states = scratch.hidden.baseAddress, let wide = scratch.wide.baseAddress,
                let projected = scratch.projected.baseAddress
            else { return nil }
            var best: Duration?
            var passes = 0
            let started = clock.now
            while passes < 3 || clock.now - started < minimumDuration {
                let passStart = clock.now
                for layer in weights.layers {
                    multiply(
                        states, layer.qkvWeight, into: wide, rows: rows, columns: 3 * hidden, inner: hidden,
                        activations: activations)
                    multiply(
                        states, layer.attentionOutputWeight, into: projected, rows: rows, columns: hidden,
                        inner: hidden, activations: activations)
                    multiply(
                        states, layer.intermediateWeight, into: wide, rows: rows, columns: inner, inner: hidden,
                        activations: activations)
                    multiply(
                        wide, layer.outputWeight, into: projected, rows: rows, columns: hidden, inner: inner,
                        activations: activations)
                }
                let elapsed = clock.now - passStart
                best = min(best ?? elapsed, elapsed)
                passes += 1
            }
            return best
        }
        guard let fastest, fastest > .zero else { return 0 }
        return linearOperations(rows: Double(rows)) / fastest.seconds
    }

    /// FLOPs of every layer's four linear products for `rows` packed tokens.
    private func linearOperations(rows: Double) -> Double {
        let hidden = Double(weights.config.hiddenSize)
        let inner = Double(weights.config.intermediateSize)
        let perRow = 2 * (hidden * 3 * hidden + hidden * hidden + 2 * hidden * inner)
        return Double(weights.config.layerCount) * rows * perRow
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
