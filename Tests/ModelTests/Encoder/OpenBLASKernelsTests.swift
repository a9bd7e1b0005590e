import Testing

@testable import Model

@Suite struct OpenBLASKernelsTests {
    static let zen5Flags: Set<String> = [
        "sse2", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl",
    ]

    @Test func recommendsSkylakeXOnlyForAnAVX2FallbackOnAnAVX512CPU() {
        #expect(OpenBLASKernels.recommendedCoreType(cpuFlags: Self.zen5Flags, detectedCore: "Haswell") == "SkylakeX")
        #expect(OpenBLASKernels.recommendedCoreType(cpuFlags: Self.zen5Flags, detectedCore: "Zen") == "SkylakeX")
        #expect(OpenBLASKernels.recommendedCoreType(cpuFlags: Self.zen5Flags, detectedCore: "SkylakeX") == nil)
        #expect(OpenBLASKernels.recommendedCoreType(cpuFlags: Self.zen5Flags, detectedCore: "Cooperlake") == nil)
        let noBW = Self.zen5Flags.subtracting(["avx512bw"])
        #expect(OpenBLASKernels.recommendedCoreType(cpuFlags: noBW, detectedCore: "Haswell") == nil)
        #expect(OpenBLASKernels.recommendedCoreType(cpuFlags: ["avx2", "fma"], detectedCore: "Haswell") == nil)
    }

    @Test func readsFlagsFromCPUInfo() {
        let text = """
            processor\t: 0
            model name\t: AMD EPYC
            flags\t\t: fpu sse2 avx2 avx512f avx512bw
            bogomips\t: 5192.24

            processor\t: 1
            flags\t\t: fpu
            """
        #expect(OpenBLASKernels.cpuFlags(fromCPUInfo: text) == ["fpu", "sse2", "avx2", "avx512f", "avx512bw"])
        #expect(OpenBLASKernels.cpuFlags(fromCPUInfo: "") == [])
        #expect(!OpenBLASKernels.coreName.isEmpty)
    }
}
