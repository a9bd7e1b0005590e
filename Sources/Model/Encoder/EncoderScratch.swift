/// Working memory for one forward pass, kept between calls so that steady-state `embed` calls
/// allocate nothing but their result.
///
/// Non-copyable: it owns its buffers and frees them in `deinit`. Buffers only grow, to the
/// largest batch seen; `BertEncoder` bounds a batch's token count, so they stay bounded too.
struct EncoderScratch: ~Copyable {
    /// `tokens × hidden`: the hidden states, updated layer by layer.
    private(set) var hidden = UnsafeMutableBufferPointer<Float>.allocate(capacity: 0)
    /// `tokens × max(3·hidden, intermediate)`: first the packed Q|K|V rows, then the FFN activations.
    private(set) var wide = UnsafeMutableBufferPointer<Float>.allocate(capacity: 0)
    /// `tokens × hidden`: attention output (context) before its dense layer.
    private(set) var context = UnsafeMutableBufferPointer<Float>.allocate(capacity: 0)
    /// `tokens × hidden`: a dense layer's output before bias, residual and LayerNorm.
    private(set) var projected = UnsafeMutableBufferPointer<Float>.allocate(capacity: 0)
    /// `length × length`: one head's attention scores for the longest sequence.
    private(set) var scores = UnsafeMutableBufferPointer<Float>.allocate(capacity: 0)
    /// The bf16 kernel's activations rounded to bf16 (`PackedBFloat16Matrix.scratchCount`); stays
    /// empty for fp32 weights.
    private(set) var activations = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: 0)

    init() {}

    /// Makes every buffer large enough for `tokens` packed rows and a sequence of `longest` tokens.
    mutating func reserve(tokens: Int, longest: Int, hiddenSize: Int, wideSize: Int) {
        Self.grow(&hidden, to: tokens * hiddenSize)
        Self.grow(&wide, to: tokens * wideSize)
        Self.grow(&context, to: tokens * hiddenSize)
        Self.grow(&projected, to: tokens * hiddenSize)
        Self.grow(&scores, to: longest * longest)
    }

    /// Makes `activations` large enough for `count` bf16 values.
    mutating func reserveActivations(_ count: Int) {
        guard activations.count < count else { return }
        activations.deallocate()
        activations = .allocate(capacity: count)
        activations.initialize(repeating: 0)
    }

    private static func grow(_ buffer: inout UnsafeMutableBufferPointer<Float>, to count: Int) {
        guard buffer.count < count else { return }
        buffer.deallocate()
        buffer = .allocate(capacity: count)
        // Initialised once so that every read in the forward pass is of initialised memory.
        buffer.initialize(repeating: 0)
    }

    deinit {
        hidden.deallocate()
        wide.deallocate()
        context.deallocate()
        projected.deallocate()
        scores.deallocate()
        activations.deallocate()
    }
}
