import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs long synchronous work (a large simulation) on a thread of its own, at the lowest CPU
/// priority, and awaits its result: it never occupies one of the few threads of Swift's cooperative
/// pool that every other test's tasks share, and on a 2-core machine it takes only the CPU the
/// socket tests (whose timeouts are real time) leave idle.
enum OwnThread {
    static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                #if canImport(Glibc)
                    // On Linux the nice value is per thread, and "who = 0" names the calling thread only.
                    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
                #endif
                continuation.resume(with: Result { try work() })
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
