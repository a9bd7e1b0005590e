import Foundation
import Testing

@testable import Model

@Suite struct EncoderKernelsTests {
    @Test func erfMatchesLibm() {
        var worst: Float = 0
        for step in -1000...1000 {
            let x = Float(step) / 100
            let approximation = EncoderKernels.erf(x)
            worst = max(worst, abs(approximation - Float(Foundation.erf(Double(x)))))
        }
        #expect(worst < 5e-7)
    }

    @Test func expMatchesLibmInRelativeError() {
        var worst: Double = 0
        for step in -8700...8800 {
            let x = Float(step) / 100
            let approximation = Double(EncoderKernels.exp(x))
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(approximation - exact) / exact)
        }
        #expect(worst < 1e-6)
        #expect(EncoderKernels.exp(-.infinity) < 1e-37)
    }

    /// Widths that are not multiples of the vector width exercise the padded tails.
    @Test(arguments: [1, 7, 8, 13, 384])
    func layerNormMatchesAScalarReference(width: Int) {
        var row = (0..<width).map { Float(($0 * 7919) % 23) / 5 - 2 }
        let gamma = (0..<width).map { 1 + Float($0 % 5) / 10 }
        let beta = (0..<width).map { Float($0 % 3) / 10 }
        let mean = row.reduce(0, +) / Float(width)
        let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(width)
        let expected = (0..<width).map { (row[$0] - mean) / (variance + 1e-12).squareRoot() * gamma[$0] + beta[$0] }
        row.withUnsafeMutableBufferPointer { row in
            EncoderKernels.layerNorm(row.baseAddress!, width: width, gamma: gamma, beta: beta, epsilon: 1e-12)
        }
        for index in 0..<width {
            #expect(abs(row[index] - expected[index]) < 1e-4, "width \(width) index \(index)")
        }
    }

    @Test(arguments: [1, 5, 8, 11, 64])
    func softmaxRowsSumToOneAndKeepOrder(width: Int) {
        let rows = 3
        var scores = (0..<(rows * width)).map { Float(($0 * 31) % 17) - 8 }
        let original = scores
        scores.withUnsafeMutableBufferPointer { EncoderKernels.softmaxRows($0.baseAddress!, rows: rows, width: width) }
        for row in 0..<rows {
            let slice = original[(row * width)..<((row + 1) * width)]
            let maximum = slice.max()!
            let total = slice.reduce(0.0) { $0 + Foundation.exp(Double($1 - maximum)) }
            for column in 0..<width {
                let expected = Foundation.exp(Double(original[row * width + column] - maximum)) / total
                #expect(abs(Double(scores[row * width + column]) - expected) < 1e-6)
            }
        }
    }

    @Test func geluUsesTheErfForm() {
        let inputs: [Float] = [-5, -1.5, -0.25, 0, 0.3, 1, 2.5, 9, -3, 0.7, 4.2]
        var values = inputs
        let bias = [Float](repeating: 0.5, count: inputs.count)
        values.withUnsafeMutableBufferPointer {
            EncoderKernels.addBiasGELU($0.baseAddress!, rows: 1, width: inputs.count, bias: bias)
        }
        for (x, y) in zip(inputs, values) {
            let shifted = Double(x) + 0.5
            let expected = 0.5 * shifted * (1 + Foundation.erf(shifted / 2.0.squareRoot()))
            #expect(abs(Double(y) - expected) < 2e-6, "gelu(\(shifted))")
        }
    }

    @Test func meanPoolingNormalisesTheMean() {
        let width = 11
        let matrix: [Float] = (0..<(3 * width)).map { Float($0 % 7) - 2.5 }
        var output = [Float](repeating: .nan, count: width)
        output.withUnsafeMutableBufferPointer {
            EncoderKernels.meanPoolNormalized(matrix, rows: 3, width: width, output: $0.baseAddress!)
        }
        let mean = (0..<width).map { column in (0..<3).map { matrix[$0 * width + column] }.reduce(0, +) / 3 }
        let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for column in 0..<width {
            #expect(abs(output[column] - mean[column] / norm) < 1e-6)
        }

        let zeros = [Float](repeating: 0, count: 2 * width)
        zeros.withUnsafeBufferPointer { zeros in
            output.withUnsafeMutableBufferPointer {
                EncoderKernels.meanPoolNormalized(zeros.baseAddress!, rows: 2, width: width, output: $0.baseAddress!)
            }
        }
        #expect(output.allSatisfy { $0 == 0 })
    }
}
