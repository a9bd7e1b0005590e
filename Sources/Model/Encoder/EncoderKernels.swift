/// The element-wise and row-wise loops of the BERT forward pass (everything that is not a matrix
/// product).
///
/// Written as plain loops over raw pointers with no calls inside (erf and exp are inlined,
/// branch-free polynomials), so that release builds vectorise them and debug builds, where the
/// generic `SIMD` types are very slow, still run the test suite quickly. Floating-point
/// reductions are spread over four accumulators because strict IEEE semantics forbid the compiler
/// from reassociating a single one.
enum EncoderKernels {
    // MARK: - Reductions

    /// The sum of `count` floats.
    @inline(__always)
    static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var (s0, s1, s2, s3): (Float, Float, Float, Float) = (0, 0, 0, 0)
        var index = 0
        while index + 4 <= count {
            s0 += values[index]
            s1 += values[index + 1]
            s2 += values[index + 2]
            s3 += values[index + 3]
            index += 4
        }
        while index < count {
            s0 += values[index]
            index += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// The sum of `(x - centre)²` over `count` floats.
    @inline(__always)
    static func sumOfSquares(_ values: UnsafePointer<Float>, count: Int, centre: Float) -> Float {
        var (s0, s1, s2, s3): (Float, Float, Float, Float) = (0, 0, 0, 0)
        var index = 0
        while index + 4 <= count {
            let d0 = values[index] - centre
            let d1 = values[index + 1] - centre
            let d2 = values[index + 2] - centre
            let d3 = values[index + 3] - centre
            s0 += d0 * d0
            s1 += d1 * d1
            s2 += d2 * d2
            s3 += d3 * d3
            index += 4
        }
        while index < count {
            let d = values[index] - centre
            s0 += d * d
            index += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    // MARK: - Layer normalisation

    /// Normalises `row` (length `width`) in place to zero mean and unit variance, then scales by
    /// `gamma` and shifts by `beta`.
    static func layerNorm(
        _ row: UnsafeMutablePointer<Float>, width: Int, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        epsilon: Float
    ) {
        let mean = sum(row, count: width) / Float(width)
        let variance = sumOfSquares(row, count: width, centre: mean) / Float(width)
        let inverseDeviation = 1 / (variance + epsilon).squareRoot()
        for index in 0..<width {
            row[index] = (row[index] - mean) * inverseDeviation * gamma[index] + beta[index]
        }
    }

    /// `hidden ← LayerNorm(projected + bias + hidden)` for each of `rows` rows of `width` floats:
    /// the bias, residual connection and normalisation that follow a dense layer, in one pass per row.
    static func addBiasResidualLayerNorm(
        projected: UnsafePointer<Float>, bias: UnsafePointer<Float>, hidden: UnsafeMutablePointer<Float>,
        rows: Int, width: Int, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        for row in 0..<rows {
            let input = projected + row * width
            let output = hidden + row * width
            for index in 0..<width {
                output[index] += input[index] + bias[index]
            }
            layerNorm(output, width: width, gamma: gamma, beta: beta, epsilon: epsilon)
        }
    }

    // MARK: - Bias and activation

    /// Adds `bias` (length `width`) to each of `rows` rows.
    static func addBias(_ matrix: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>) {
        for row in 0..<rows {
            let output = matrix + row * width
            for index in 0..<width {
                output[index] += bias[index]
            }
        }
    }

    /// `x ← GELU(x + bias)` for each of `rows` rows, with the exact (erf) GELU BERT was trained with.
    static func addBiasGELU(_ matrix: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>) {
        let inverseSquareRootTwo: Float = 0.707_106_781_186_547_5
        for row in 0..<rows {
            let output = matrix + row * width
            for index in 0..<width {
                let x = output[index] + bias[index]
                output[index] = 0.5 * x * (1 + erf(x * inverseSquareRootTwo))
            }
        }
    }

    /// The error function to within about 1e-7 absolute, as a rational approximation (the one
    /// Eigen and XLA use for float): odd degree-13 polynomial over even degree-8 polynomial on
    /// [-4, 4], outside which erf is ±1 in single precision. No branches or libm calls, so it
    /// vectorises; calling libm's `erff` per element would cost more than the matrix products.
    @inline(__always)
    static func erf(_ input: Float) -> Float {
        let x = input < -4 ? -4 : (input > 4 ? 4 : input)
        let x2 = x * x
        var p = x2 * -2.726_142_258_013_06e-10 + 2.770_681_424_959_02e-08
        p = x2 * p - 2.101_024_020_825_08e-06
        p = x2 * p - 5.692_506_394_623_46e-05
        p = x2 * p - 7.349_906_303_268_55e-04
        p = x2 * p - 2.954_599_808_540_25e-03
        p = x2 * p - 1.609_603_332_624_15e-02
        p = x * p
        var q = x2 * -1.456_607_184_649_96e-05 - 2.133_740_552_789_05e-04
        q = x2 * q - 1.682_826_974_382_03e-03
        q = x2 * q - 7.373_329_167_204_68e-03
        q = x2 * q - 1.426_473_905_141_89e-02
        return p / q
    }

    // MARK: - Softmax

    /// Replaces each of `rows` rows of `width` scores by its softmax.
    static func softmaxRows(_ matrix: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        for row in 0..<rows {
            let scores = matrix + row * width
            var maximum = scores[0]
            for index in 1..<max(width, 1) where scores[index] > maximum {
                maximum = scores[index]
            }
            for index in 0..<width {
                scores[index] = exp(scores[index] - maximum)
            }
            let scale = 1 / sum(scores, count: width)
            for index in 0..<width {
                scores[index] *= scale
            }
        }
    }

    /// e^x to within a few ulp for x in [-87, 88] (clamped outside it), by the Cephes method:
    /// x = n·ln2 + r with |r| ≤ ln2/2, a degree-7 polynomial for e^r, and 2^n built in the exponent
    /// bits. Branch-free so that softmax vectorises.
    @inline(__always)
    static func exp(_ input: Float) -> Float {
        let x = input < -87.3 ? -87.3 : (input > 88.3 ? 88.3 : input)
        // Adding 1.5·2²³ rounds x·log2(e) to an integer held in the low mantissa bits.
        let roundingMagic: Float = 12_582_912
        let shifted = x * 1.442_695_040_888_963_4 + roundingMagic
        let n = shifted - roundingMagic
        let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = r * 1.987_569_150_0e-4 + 1.398_199_950_7e-3
        p = r * p + 8.333_451_907_3e-3
        p = r * p + 4.166_579_589_4e-2
        p = r * p + 1.666_666_545_9e-1
        p = r * p + 5.000_000_120_1e-1
        p = p * (r * r) + r + 1
        let exponent = (shifted.bitPattern &- roundingMagic.bitPattern &+ 127) &<< 23
        return p * Float(bitPattern: exponent)
    }

    // MARK: - Pooling

    /// Writes the mean of `rows` rows of `width` floats, scaled to unit length, to `output`.
    /// A zero mean stays zero (no division by zero), as sentence-transformers' `normalize` does.
    static func meanPoolNormalized(
        _ matrix: UnsafePointer<Float>, rows: Int, width: Int, output: UnsafeMutablePointer<Float>
    ) {
        output.update(repeating: 0, count: width)
        for row in 0..<rows {
            let input = matrix + row * width
            for index in 0..<width {
                output[index] += input[index]
            }
        }
        // Normalising the sum is the same as normalising the mean; the 1e-12 floor matches
        // torch.nn.functional.normalize applied to the mean of `rows` rows.
        let norm = max(sumOfSquares(output, count: width, centre: 0).squareRoot(), 1e-12 * Float(rows))
        let scale = 1 / norm
        for index in 0..<width {
            output[index] *= scale
        }
    }
}
