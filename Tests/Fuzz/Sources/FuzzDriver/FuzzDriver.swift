import CLibFuzzer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The entry point every fuzz target shares: runs libFuzzer with the process's arguments and
/// turns a property violation into a crash, which libFuzzer reports and saves as an artifact.
public enum FuzzDriver {
    /// Runs libFuzzer's driver with `target` as `LLVMFuzzerTestOneInput` and exits with its status.
    public static func run(_ target: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, target))
    }

    /// The input libFuzzer passes, as an array (a nil pointer is the empty input).
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// Aborts when a property was violated, so that libFuzzer keeps the input that did it.
    public static func require(_ violation: String?) {
        guard let violation else { return }
        let line = Array("property violated: \(violation)\n".utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        abort()
    }
}
