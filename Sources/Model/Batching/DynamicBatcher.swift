/// Runs one model on its own OS thread and batches concurrent callers' texts into its calls.
///
/// Callers `embed` concurrently from any task; their jobs queue in a `BatchFormer` under a
/// `Mutex`. One dedicated thread (never Swift's cooperative pool, which the model's compute would
/// starve) sleeps until work arrives and, whenever the model is free, takes whatever is queued up to
/// the token budget (TEI-style continuous batching: no wait timer unless `maxWait` is set). A full
/// queue refuses work at once with `.overloaded` so the HTTP layer can answer 429.
///
/// Cancelling a caller's task drops its texts that have not run and ends the call with
/// `.cancelled`. A model error fails only the jobs in that batch. `shutdown()` (also run on
/// deinit) fails queued work with `.shutDown` and joins the thread.
public final class DynamicBatcher: Sendable {
    public typealias Configuration = BatchFormer.Configuration

    /// The model this batcher runs.
    public let model: any EmbeddingModel
    /// The batching limits.
    public let configuration: Configuration
    private let worker: ModelWorker

    /// Starts the model thread.
    public init(model: any EmbeddingModel, configuration: Configuration = Configuration()) {
        self.model = model
        self.configuration = configuration
        self.worker = ModelWorker(model: model, configuration: configuration)
        worker.start(threadName: "murmur-model")
    }

    deinit {
        worker.shutdown()
    }

    /// Embeds tokenized texts as one job.
    ///
    /// - Returns: `inputs.count × model.dimension` floats, one row per input in input order
    ///   (empty for no inputs).
    /// - Throws: `.overloaded` when the queue is full, `.cancelled` when the calling task is
    ///   cancelled before all rows are ready, `.shutDown` after `shutdown()`, `.invalidInput` for an
    ///   input with no tokens, or the model's own error.
    public func embed(_ inputs: [[Int32]]) async throws(ModelError) -> [Float] {
        if inputs.isEmpty { return [] }
        return try await worker.embed(inputs).get()
    }

    /// Counters and gauges for metrics and gossip; reading them takes no lock.
    public var stats: Stats { worker.stats }

    /// Fails queued work with `.shutDown`, waits for a running batch to finish (its callers get their
    /// rows), and joins the model thread. Blocks the calling thread until then; idempotent.
    public func shutdown() {
        worker.shutdown()
    }
}
