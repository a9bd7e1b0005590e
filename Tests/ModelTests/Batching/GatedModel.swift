import Dispatch
import Synchronization

@testable import Model

/// A fake model the test drives step by step: it announces every batch it starts on `batches`,
/// then blocks the batcher's thread until the test calls `release()` once for that batch.
///
/// Rows have dimension 2: (first id, token count), so a caller can check it got its own rows.
/// A batch containing a text whose first id is in `failing` throws `.invalidInput("poisoned")`.
final class GatedModel: EmbeddingModel {
    let name = "gated"
    let dimension = 2
    let batches: AsyncStream<[[Int32]]>
    private let announce: AsyncStream<[[Int32]]>.Continuation
    private let gate = DispatchSemaphore(value: 0)
    private let isOpen = Atomic<Bool>(false)
    private let failing: Set<Int32>

    init(failing: Set<Int32> = []) {
        (batches, announce) = AsyncStream.makeStream()
        self.failing = failing
    }

    func tokenize(_ text: String) -> [Int32] {
        [Int32(text.utf8.count)]
    }

    func embed(_ inputs: [[Int32]]) throws(ModelError) -> [Float] {
        announce.yield(inputs)
        if !isOpen.load(ordering: .acquiring) { gate.wait() }
        if inputs.contains(where: { failing.contains($0[0]) }) {
            throw .invalidInput("poisoned")
        }
        return EchoModel.rows(for: inputs)
    }

    /// Lets one batch (the running one, or the next one to start) finish.
    func release(batches count: Int = 1) {
        for _ in 0..<count { gate.signal() }
    }

    /// Lets every batch from now on through, so a failed test cannot leave the batcher's thread
    /// blocked (and its shutdown waiting forever).
    func open() {
        isOpen.store(true, ordering: .releasing)
        gate.signal()
    }
}

/// A fake model that answers at once with rows (first id, token count).
struct EchoModel: EmbeddingModel {
    let name = "echo"
    let dimension = 2

    static func rows(for inputs: [[Int32]]) -> [Float] {
        inputs.flatMap { [Float($0[0]), Float($0.count)] }
    }

    func tokenize(_ text: String) -> [Int32] {
        [Int32(text.utf8.count)] + [Int32](repeating: 0, count: text.utf8.count)
    }

    func embed(_ inputs: [[Int32]]) throws(ModelError) -> [Float] {
        Self.rows(for: inputs)
    }
}
