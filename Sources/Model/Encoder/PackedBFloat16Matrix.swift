import COpenBLAS

/// A row-major `[rows, columns]` fp32 matrix (a linear layer's transposed weight) rounded to bf16
/// and packed in the layout the AVX512-BF16 kernel in `shim.h` reads: blocks of 16 columns, rows
/// taken in pairs, zero-padded at the edges.
///
/// A view: the storage belongs to whoever packed it (`BertWeights`), which keeps it alive.
struct PackedBFloat16Matrix {
    let rows: Int
    let columns: Int
    let storage: UnsafeBufferPointer<UInt16>

    /// True when this CPU runs the bf16 kernel (AVX512F/BW/VL and AVX512_BF16, enabled by the OS).
    static let cpuSupported: Bool = {
        #if arch(x86_64)
            murmur_cpu_has_avx512_bf16() != 0
        #else
            false
        #endif
    }()

    /// The number of `UInt16` a packed `[rows, columns]` matrix takes.
    static func packedCount(rows: Int, columns: Int) -> Int {
        murmur_bf16_packed_count(rows, columns)
    }

    /// The number of `UInt16` of scratch a product of `inputRows` rows by a matrix of `rows` rows needs.
    static func scratchCount(inputRows: Int, rows: Int) -> Int {
        murmur_bf16_activation_count(inputRows, rows)
    }

    /// Packs `source` (`rows × columns` floats, row-major) into `destination`, which must hold
    /// `packedCount(rows:columns:)` elements; nil when the sizes do not match.
    init?(
        packing source: UnsafeBufferPointer<Float>, rows: Int, columns: Int,
        into destination: UnsafeMutableBufferPointer<UInt16>
    ) {
        guard rows >= 1, columns >= 1, source.count == rows * columns,
            destination.count == Self.packedCount(rows: rows, columns: columns),
            let from = source.baseAddress, let to = destination.baseAddress
        else { return nil }
        murmur_bf16_pack(from, rows, columns, to)
        self.rows = rows
        self.columns = columns
        self.storage = UnsafeBufferPointer(destination)
    }

    /// `output[inputRows, columns] = input[inputRows, rows] × self (+ bias)`: fp32 in and out, bf16
    /// products, fp32 sums. Returns false, touching nothing, when the CPU lacks AVX512-BF16 or a
    /// buffer's size does not match the shapes (so a wrong call never reads or writes out of bounds).
    @discardableResult
    func multiply(
        _ input: UnsafeBufferPointer<Float>, inputRows: Int, bias: UnsafeBufferPointer<Float>? = nil,
        scratch: UnsafeMutableBufferPointer<UInt16>, into output: UnsafeMutableBufferPointer<Float>
    ) -> Bool {
        #if arch(x86_64)
            guard Self.cpuSupported, inputRows >= 1, input.count >= inputRows * rows,
                output.count >= inputRows * columns, bias.map({ $0.count == columns }) ?? true,
                scratch.count >= Self.scratchCount(inputRows: inputRows, rows: rows),
                let x = input.baseAddress, let y = output.baseAddress, let work = scratch.baseAddress,
                let packed = storage.baseAddress
            else { return false }
            murmur_bf16_linear(x, inputRows, rows, packed, columns, bias?.baseAddress, work, y)
            return true
        #else
            return false
        #endif
    }
}
