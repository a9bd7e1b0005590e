import Dispatch
import Model

/// The synthetic model behind a gate: each `embed` call announces itself on `entered`, then
/// waits until the test calls `release()`, so a test can hold the model thread busy for exactly
/// as long as it needs a full queue.
final class BlockingModel: EmbeddingModel {
    private let synthetic = SyntheticModel()
    private let gate = DispatchSemaphore(value: 0)
    private let entered = DispatchSemaphore(value: 0)

    var name: String { "blocking" }
    var dimension: Int { synthetic.dimension }

    func tokenize(_ text: String) -> [Int32] { synthetic.tokenize(text) }

    func embed(_ inputs: [[Int32]]) throws(ModelError) -> [Float] {
        entered.signal()
        gate.wait()
        return try synthetic.embed(inputs)
    }

    /// Returns once a model call has started (and is now waiting at the gate).
    func waitUntilEntered() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.entered.wait()
                continuation.resume()
            }
        }
    }

    /// Lets `calls` model calls through.
    func release(calls: Int = 1) {
        for _ in 0..<calls { gate.signal() }
    }
}
