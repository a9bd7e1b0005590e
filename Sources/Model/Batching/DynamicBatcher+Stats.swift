extension DynamicBatcher {
    /// A point-in-time view of the batcher for metrics and gossip.
    ///
    /// Each field is read from its own atomic without taking the batcher's lock, so fields may be
    /// a few operations apart from each other; each one on its own is exact.
    public struct Stats: Sendable, Hashable {
        /// Texts waiting for the model.
        public var queuedTexts: Int
        /// Tokens waiting for the model.
        public var queuedTokens: Int
        /// Callers waiting for a result (queued or running).
        public var jobsInFlight: Int
        /// Model calls made.
        public var batchesRun: Int
        /// Model calls that failed.
        public var batchesFailed: Int
        /// Texts handed to the model.
        public var textsEmbedded: Int
        /// Tokens handed to the model.
        public var tokensEmbedded: Int
        /// Texts in the most recent model call.
        public var lastBatchTexts: Int
        /// Tokens in the most recent model call.
        public var lastBatchTokens: Int
        /// Requests refused with `.overloaded`.
        public var jobsRejected: Int
        /// True while the model thread is running a batch.
        public var isModelBusy: Bool

        public init(
            queuedTexts: Int = 0, queuedTokens: Int = 0, jobsInFlight: Int = 0, batchesRun: Int = 0,
            batchesFailed: Int = 0, textsEmbedded: Int = 0, tokensEmbedded: Int = 0, lastBatchTexts: Int = 0,
            lastBatchTokens: Int = 0, jobsRejected: Int = 0, isModelBusy: Bool = false
        ) {
            self.queuedTexts = queuedTexts
            self.queuedTokens = queuedTokens
            self.jobsInFlight = jobsInFlight
            self.batchesRun = batchesRun
            self.batchesFailed = batchesFailed
            self.textsEmbedded = textsEmbedded
            self.tokensEmbedded = tokensEmbedded
            self.lastBatchTexts = lastBatchTexts
            self.lastBatchTokens = lastBatchTokens
            self.jobsRejected = jobsRejected
            self.isModelBusy = isModelBusy
        }
    }
}
