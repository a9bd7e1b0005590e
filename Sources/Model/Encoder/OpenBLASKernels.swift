import COpenBLAS
import Foundation

/// Which OpenBLAS kernel set runs the encoder's matrix products, and a better one where it exists.
///
/// OpenBLAS chooses its kernels once, when the library is loaded, from the environment variable
/// `OPENBLAS_CORETYPE` or else by CPU detection; nothing can change them afterwards. The Debian
/// OpenBLAS 0.3.21 does not know AMD Zen 4/5 and falls back to its AVX2 "Haswell" kernels there,
/// although those CPUs run the AVX-512 "SkylakeX" kernels correctly and, for MiniLM's sgemms,
/// about twice as fast (measured on the Zen 5 development machine). A launcher that starts
/// processes (or re-executes itself) can set `OPENBLAS_CORETYPE` to `recommendedCoreType()`.
public enum OpenBLASKernels {
    /// The environment variable OpenBLAS reads at load time.
    public static let environmentVariable = "OPENBLAS_CORETYPE"

    /// The kernel set in use in this process, e.g. `Haswell` or `SkylakeX`.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The value for `OPENBLAS_CORETYPE` that would make this machine's sgemm faster, or nil when
    /// the detected kernels are already the best known choice or the variable is already set.
    public static func recommendedCoreType() -> String? {
        guard ProcessInfo.processInfo.environment[environmentVariable] == nil else { return nil }
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return recommendedCoreType(cpuFlags: cpuFlags(fromCPUInfo: cpuinfo), detectedCore: coreName)
    }

    /// Pure decision behind `recommendedCoreType()`: SkylakeX when OpenBLAS fell back to an AVX2
    /// kernel set on a CPU that has every AVX-512 subset the SkylakeX kernels use.
    public static func recommendedCoreType(cpuFlags: Set<String>, detectedCore: String) -> String? {
        let avx2Fallbacks: Set<String> = ["haswell", "zen", "sandybridge", "prescott", "nehalem"]
        let required: Set<String> = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
        guard avx2Fallbacks.contains(detectedCore.lowercased()), required.isSubset(of: cpuFlags) else { return nil }
        return "SkylakeX"
    }

    /// The feature flags of the first processor in a Linux `/proc/cpuinfo`.
    static func cpuFlags(fromCPUInfo text: String) -> Set<String> {
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }
}
