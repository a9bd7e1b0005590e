import Testing

@testable import Model

/// The selection rule, with the CPU capability and the accuracy figure injected, so that every
/// branch runs on any machine.
@Suite struct EncoderPrecisionTests {
    /// A measurement that records whether it was asked for.
    final class Measurement {
        let cosine: Double
        var calls = 0
        init(_ cosine: Double) { self.cosine = cosine }
        func callAsFunction() -> Double {
            calls += 1
            return cosine
        }
    }

    @Test func fp32NeverMeasures() throws {
        for cpu in [false, true] {
            let measure = Measurement(1)
            let (precision, reason) = try EncoderPrecision.resolve(.fp32, cpuHasBFloat16: cpu) { measure() }
            #expect(precision == .fp32)
            #expect(reason == "fp32 (requested)")
            #expect(measure.calls == 0)
        }
    }

    @Test func autoUsesBFloat16OnlyWithTheCPUAndAPassingCheck() throws {
        let noCPU = Measurement(1)
        let withoutCPU = try EncoderPrecision.resolve(.auto, cpuHasBFloat16: false) { noCPU() }
        #expect(withoutCPU.precision == .fp32)
        #expect(withoutCPU.reason.contains("no AVX512-BF16"))
        #expect(noCPU.calls == 0)

        let passing = try EncoderPrecision.resolve(.auto, cpuHasBFloat16: true) { 0.99996 }
        #expect(passing.precision == .bf16)
        #expect(passing.reason.contains("0.999960"))

        let atThreshold = try EncoderPrecision.resolve(.auto, cpuHasBFloat16: true) { 0.9999 }
        #expect(atThreshold.precision == .bf16)

        let failing = try EncoderPrecision.resolve(.auto, cpuHasBFloat16: true) { 0.9998 }
        #expect(failing.precision == .fp32)
        #expect(failing.reason.contains("failed its accuracy check"))
        #expect(failing.reason.contains("0.999800"))
    }

    @Test func explicitBFloat16ThrowsInsteadOfFallingBack() throws {
        let noCPU = #expect(throws: ModelError.self) {
            _ = try EncoderPrecision.resolve(.bf16, cpuHasBFloat16: false) { 1 }
        }
        #expect(noCPU?.message.contains("AVX512-BF16") == true)
        #expect(noCPU?.message.contains("use precision auto or fp32") == true)

        let failing = #expect(throws: ModelError.self) {
            _ = try EncoderPrecision.resolve(.bf16, cpuHasBFloat16: true) { 0.99 }
        }
        #expect(failing?.message.contains("failed its accuracy check") == true)
        #expect(failing?.message.contains("0.990000") == true)

        let passing = try EncoderPrecision.resolve(.bf16, cpuHasBFloat16: true) { 0.99999 }
        #expect(passing.precision == .bf16)
    }

    @Test func measurementErrorsPropagate() {
        let error = #expect(throws: ModelError.self) {
            _ = try EncoderPrecision.resolve(.auto, cpuHasBFloat16: true) { () throws(ModelError) -> Double in
                throw .invalidInput("no inputs")
            }
        }
        #expect(error?.message == "no inputs")
    }
}
