#if canImport(Glibc)
    import Glibc
#endif

/// Makes a child of `murmur up` die with its supervisor.
///
/// `murmur up` sets `MURMUR_SUPERVISOR_PID` in its children's environment. A `node` or `gateway`
/// whose parent is that process asks the kernel for SIGTERM when the parent dies
/// (`PR_SET_PDEATHSIG`), so the children stop gracefully even when the supervisor is SIGKILLed. The
/// setting survives `execve`, and a node re-executing itself keeps its pid and parent, so it holds
/// across restarts too.
enum ParentDeathSignal {
    static let environmentVariable = "MURMUR_SUPERVISOR_PID"

    /// Arms the death signal when this process was started by the supervisor that
    /// `MURMUR_SUPERVISOR_PID` names. If the supervisor died before the signal was armed, the process
    /// stops at once.
    static func armIfSupervised() {
        #if os(Linux)
            guard let supervisor = supervisorPID(getenv(environmentVariable).map { String(cString: $0) }),
                getppid() == supervisor
            else { return }
            guard setDeathSignal(SIGTERM) else {
                CLIError.report("cannot follow supervisor \(supervisor): prctl(PR_SET_PDEATHSIG) failed")
                return
            }
            // The supervisor may have died between the check above and prctl: then this process was
            // already re-parented and the signal will never come.
            if getppid() != supervisor {
                CLIError.report("supervisor \(supervisor) has exited; stopping")
                exit(0)
            }
        #endif
    }

    /// The supervisor's pid from the variable's value; nil when unset or not a plausible parent pid.
    static func supervisorPID(_ value: String?) -> pid_t? {
        guard let value, let pid = pid_t(value), pid > 1 else { return nil }
        return pid
    }

    #if os(Linux)
        /// `prctl` is variadic in C and so not imported into Swift; on Linux x86-64 and arm64 a variadic
        /// callee reads integer arguments from the same registers as a fixed-arity one, so it is called
        /// through a fixed-arity pointer.
        private typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        private static let setDeathSignalOption: Int32 = 1  // PR_SET_PDEATHSIG in <linux/prctl.h>

        private static func setDeathSignal(_ signal: Int32) -> Bool {
            // A nil handle is RTLD_DEFAULT: search the process's global symbols.
            guard let symbol = dlsym(nil, "prctl") else { return false }
            let prctl = unsafeBitCast(symbol, to: Prctl.self)
            return prctl(setDeathSignalOption, UInt(signal), 0, 0, 0) == 0
        }
    #endif
}
