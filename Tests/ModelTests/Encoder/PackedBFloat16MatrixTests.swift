import Testing

@testable import Model

/// The AVX512-BF16 pack and product kernels against a naive fp32 loop; only where the CPU runs them.
@Suite(.enabled(if: PackedBFloat16Matrix.cpuSupported, "this CPU has no AVX512-BF16"))
struct PackedBFloat16MatrixTests {
    /// Deterministic values in [-1, 1].
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in Float(Double(generator.next() >> 11) / Double(1 << 53) * 2 - 1) }
    }

    /// Packs `weights` (`[rows, columns]`) and multiplies `input` (`[inputRows, rows]`) by it.
    static func product(
        _ input: [Float], inputRows: Int, weights: [Float], rows: Int, columns: Int, bias: [Float]?
    ) throws -> [Float] {
        let storage = UnsafeMutableBufferPointer<UInt16>.allocate(
            capacity: PackedBFloat16Matrix.packedCount(rows: rows, columns: columns))
        defer { storage.deallocate() }
        let scratch = UnsafeMutableBufferPointer<UInt16>.allocate(
            capacity: PackedBFloat16Matrix.scratchCount(inputRows: inputRows, rows: rows))
        defer { scratch.deallocate() }
        let matrix = try #require(
            weights.withUnsafeBufferPointer {
                PackedBFloat16Matrix(packing: $0, rows: rows, columns: columns, into: storage)
            })
        var output = [Float](repeating: .nan, count: inputRows * columns)
        let done = input.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                if let bias {
                    bias.withUnsafeBufferPointer {
                        matrix.multiply(input, inputRows: inputRows, bias: $0, scratch: scratch, into: output)
                    }
                } else {
                    matrix.multiply(input, inputRows: inputRows, scratch: scratch, into: output)
                }
            }
        }
        try #require(done)
        return output
    }

    @Test(arguments: [1, 3, 17])
    func matchesANaiveLoopWithinBFloat16Rounding(inputRows: Int) throws {
        let shapes = [(384, 1152), (384, 384), (384, 1536), (1536, 384), (1, 1), (7, 5), (33, 17), (31, 47), (2, 16)]
        for (rows, columns) in shapes {
            let seed = UInt64(inputRows * 1_000_003 + rows * 1009 + columns)
            let input = Self.values(inputRows * rows, seed: seed)
            let weights = Self.values(rows * columns, seed: seed &+ 1)
            let bias = columns % 2 == 1 ? Self.values(columns, seed: seed &+ 2) : nil
            let output = try Self.product(
                input, inputRows: inputRows, weights: weights, rows: rows, columns: columns, bias: bias)
            var worst = 0.0
            for row in 0..<inputRows {
                for column in 0..<columns {
                    var exact = Double(bias?[column] ?? 0)
                    var magnitude = abs(exact)
                    for k in 0..<rows {
                        let term = Double(input[row * rows + k]) * Double(weights[k * columns + column])
                        exact += term
                        magnitude += abs(term)
                    }
                    // Each operand is rounded to 8 significant bits (relative error ≤ 2⁻⁹), so a
                    // product is off by at most about 2⁻⁸ of its size; sums are fp32.
                    let error = abs(Double(output[row * columns + column]) - exact) / max(magnitude, 1e-30)
                    worst = max(worst, error)
                }
            }
            #expect(worst <= 1.0 / 128, "[\(inputRows), \(rows)] × [\(rows), \(columns)]: relative error \(worst)")
            #expect(worst > 0 || rows == 1, "[\(inputRows), \(rows)] × [\(rows), \(columns)]: no rounding at all?")
        }
    }

    @Test func exactlyRepresentableValuesMultiplyExactly() throws {
        // Small integers are exact in bf16 and their sums exact in fp32: the result must be too.
        let rows = 37
        let columns = 19
        let input = (0..<(3 * rows)).map { Float($0 % 7) - 3 }
        let weights = (0..<(rows * columns)).map { Float($0 % 5) - 2 }
        let bias = (0..<columns).map { Float($0) }
        let output = try Self.product(input, inputRows: 3, weights: weights, rows: rows, columns: columns, bias: bias)
        for row in 0..<3 {
            for column in 0..<columns {
                var exact = bias[column]
                for k in 0..<rows { exact += input[row * rows + k] * weights[k * columns + column] }
                #expect(output[row * columns + column] == exact, "row \(row), column \(column)")
            }
        }
    }

    @Test func refusesMismatchedShapesWithoutTouchingMemory() throws {
        let rows = 8
        let columns = 16
        let weights = Self.values(rows * columns, seed: 7)
        let storage = UnsafeMutableBufferPointer<UInt16>.allocate(
            capacity: PackedBFloat16Matrix.packedCount(rows: rows, columns: columns))
        defer { storage.deallocate() }
        let wrongSize = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: 3)
        defer { wrongSize.deallocate() }
        let refused = weights.withUnsafeBufferPointer {
            PackedBFloat16Matrix(packing: $0, rows: rows, columns: columns, into: wrongSize)
        }
        #expect(refused == nil)
        let matrix = try #require(
            weights.withUnsafeBufferPointer {
                PackedBFloat16Matrix(packing: $0, rows: rows, columns: columns, into: storage)
            })
        let scratch = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: 1)
        defer { scratch.deallocate() }
        let input = [Float](repeating: 1, count: 2 * rows)
        var output = [Float](repeating: -1, count: 2 * columns)
        let done = input.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                // The scratch is too small for two rows, the bias has the wrong length, the input is short.
                let badScratch = matrix.multiply(input, inputRows: 2, scratch: scratch, into: output)
                let badBias = [Float](repeating: 0, count: 3).withUnsafeBufferPointer {
                    matrix.multiply(input, inputRows: 2, bias: $0, scratch: scratch, into: output)
                }
                let shortInput = matrix.multiply(
                    UnsafeBufferPointer(rebasing: input[0..<rows]), inputRows: 2, scratch: scratch, into: output)
                return badScratch || badBias || shortInput
            }
        }
        #expect(!done)
        #expect(output.allSatisfy { $0 == -1 })
    }
}
