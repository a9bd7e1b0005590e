import Foundation
import Model

/// OpenBLAS picks its kernels once, when the library loads; on CPUs its version does not know it
/// falls back to slower ones (see `OpenBLASKernels`). Commands that run the model call this first:
/// it re-executes the same binary with the same arguments and `OPENBLAS_CORETYPE` set, once (the
/// variable being set stops it from happening again). Setting `OPENBLAS_CORETYPE` yourself opts out.
enum BLASKernelSelection {
    static func reexecWithFasterKernelsIfAvailable() {
        guard let coreType = OpenBLASKernels.recommendedCoreType() else { return }
        setenv(OpenBLASKernels.environmentVariable, coreType, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv only returns on failure: carry on with the kernels already loaded.
    }
}
