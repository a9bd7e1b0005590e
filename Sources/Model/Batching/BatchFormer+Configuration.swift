extension BatchFormer {
    /// How big batches may grow and how much work may wait for the model.
    ///
    /// The defaults follow Hugging Face TEI: a token budget per batch, no wait timer, and a bounded
    /// queue that refuses work (429) instead of letting latency grow without limit. Values below 1
    /// are treated as 1, so a mistyped limit degrades to tiny batches instead of a crash.
    public struct Configuration: Sendable, Hashable {
        /// Most tokens one model call may receive. A single text longer than this still runs, alone.
        public var maxBatchTokens: Int
        /// Most tokens that may wait (not yet handed to the model) across all jobs.
        public var maxQueuedTokens: Int
        /// Most texts that may wait (not yet handed to the model) across all jobs.
        public var maxQueuedTexts: Int
        /// When set, a batch smaller than the budget is held back until its oldest job has waited
        /// this long. `nil` (the default) releases whatever is queued as soon as the model is free.
        public var maxWait: Duration?

        public init(
            maxBatchTokens: Int = 16_384,
            maxQueuedTokens: Int = 131_072,
            maxQueuedTexts: Int = 8_192,
            maxWait: Duration? = nil
        ) {
            self.maxBatchTokens = maxBatchTokens
            self.maxQueuedTokens = maxQueuedTokens
            self.maxQueuedTexts = maxQueuedTexts
            self.maxWait = maxWait
        }
    }
}
