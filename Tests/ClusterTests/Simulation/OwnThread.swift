import Foundation

/// Runs long synchronous work (a large simulation) on a thread of its own and awaits its result, so
/// it never occupies one of the few threads of Swift's cooperative pool that every other test's
/// tasks share.
enum OwnThread {
    static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try work() })
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
