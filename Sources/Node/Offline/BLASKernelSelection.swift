import Model

/// OpenBLAS picks its kernels once, when the library loads; on CPUs its version does not know it
/// falls back to slower ones (see `OpenBLASKernels`). Commands that run the model call this first:
/// it re-executes the same binary with the same arguments and `OPENBLAS_CORETYPE` set, once (the
/// variable being set stops it from happening again). Setting `OPENBLAS_CORETYPE` yourself opts out.
enum BLASKernelSelection {
    static func reexecWithFasterKernelsIfAvailable() {
        guard let coreType = OpenBLASKernels.recommendedCoreType() else { return }
        let environment = ProcessImage.environment(
            ProcessImage.currentEnvironment(), applying: [OpenBLASKernels.environmentVariable: coreType])
        // The running file itself, not a path: this swaps kernels, it does not roll out a new build.
        // It only returns on failure: carry on with the kernels already loaded.
        _ = ProcessImage.replaceProcess(
            executable: "/proc/self/exe", arguments: CommandLine.arguments, environment: environment)
    }
}
