extension BatchFormer {
    /// Identifies one caller's job. The caller chooses it (so a cancellation handler can name the
    /// job before it is queued) and must never reuse it.
    public struct JobID: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt64

        public init(_ rawValue: UInt64) {
            self.rawValue = rawValue
        }

        public var description: String { "job \(rawValue)" }
    }

    /// A run of consecutive texts of one job inside a batch.
    public struct Slice: Hashable, Sendable {
        /// The job the texts belong to.
        public let job: JobID
        /// Index of the slice's first text within the job's inputs.
        public let firstInput: Int
        /// How many texts of the job, starting at `firstInput`, the slice holds.
        public let count: Int
    }

    /// Texts to hand to the model in one call, and where each row of the result belongs.
    ///
    /// Rows of the result follow `inputs`; `slices` cover `inputs` in order, so slice `k` owns the
    /// rows after those of slices `0..<k`.
    public struct Batch: Sendable {
        /// The token ids to embed, in row order.
        public let inputs: [[Int32]]
        /// Which job each run of rows belongs to.
        public let slices: [Slice]
        /// Total tokens in `inputs`.
        public let tokenCount: Int
    }

    /// What the model thread should do next.
    public enum Decision: Sendable {
        /// Run this batch now.
        case run(Batch)
        /// Work is queued but held back by `maxWait`: ask again at this time, or when more arrives.
        case wait(until: ContinuousClock.Instant)
        /// Nothing is queued.
        case idle
    }

    /// A job that has finished: all its rows, in input order, or the error that ended it.
    public struct Completion: Sendable {
        public let job: JobID
        public let result: Result<[Float], ModelError>
    }
}
