import DequeModule

/// Decides which queued texts the model embeds next: the pure core of the dynamic batcher.
///
/// A job is one caller's request (its tokenized texts). Jobs wait in FIFO order; whenever the model
/// is free, `nextBatch(now:)` takes texts from the oldest jobs up to the token budget, splitting a
/// job across batches by text when it does not fit. `complete(_:with:)` routes the model's rows back
/// to their jobs and reports the jobs that finished. There is no I/O and no clock: time is an input.
///
/// Bookkeeping invariants:
/// - `queuedTexts`/`queuedTokens` count texts of live jobs that have not been handed to the model.
/// - `queue` holds job ids in arrival order; ids of jobs that were cancelled, failed or fully
///   scheduled are dropped lazily when they reach the head.
public struct BatchFormer: Sendable {
    private struct Job: Sendable {
        let inputs: [[Int32]]
        let enqueuedAt: ContinuousClock.Instant
        /// First input not yet handed to the model.
        var nextInput = 0
        /// Tokens of the inputs at `nextInput...`.
        var unscheduledTokens: Int
        /// Inputs whose rows have arrived.
        var finishedInputs = 0
        /// Row width learned from the first batch that carried this job's rows.
        var dimension = 0
        /// `inputs.count × dimension` floats once the first rows arrive.
        var rows: [Float] = []

        var unscheduledTexts: Int { inputs.count - nextInput }
    }

    /// The limits this former enforces.
    public let configuration: Configuration
    private var jobs: [JobID: Job] = [:]
    private var queue: Deque<JobID> = []

    /// Texts waiting for the model.
    public private(set) var queuedTexts = 0
    /// Tokens waiting for the model.
    public private(set) var queuedTokens = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Jobs accepted and not yet finished, failed or cancelled (queued or running).
    public var jobCount: Int { jobs.count }

    private var batchBudget: Int { max(1, configuration.maxBatchTokens) }

    /// Queues a job.
    ///
    /// - Throws: `.overloaded` when accepting the job would exceed `maxQueuedTexts` or
    ///   `maxQueuedTokens` (a job larger than the bounds is still accepted when nothing is queued, so
    ///   a big legal request is never starved); `.invalidInput` for a job with no texts, a text with
    ///   no tokens, or an id already in use.
    public mutating func enqueue(
        _ inputs: [[Int32]], id: JobID, now: ContinuousClock.Instant
    ) throws(ModelError) {
        guard !inputs.isEmpty else {
            throw .invalidInput("a request needs at least one input to embed")
        }
        var tokens = 0
        for (index, input) in inputs.enumerated() {
            guard !input.isEmpty else {
                throw .invalidInput("input \(index) has no tokens; every input needs at least one token")
            }
            tokens += input.count
        }
        guard jobs[id] == nil else {
            throw .invalidInput("\(id) is already queued; job ids must be unique")
        }
        if queuedTexts > 0 {
            let maxTexts = max(1, configuration.maxQueuedTexts)
            let maxTokens = max(1, configuration.maxQueuedTokens)
            if queuedTexts + inputs.count > maxTexts || queuedTokens + tokens > maxTokens {
                throw .overloaded(
                    "the model queue is full (\(queuedTexts) texts and \(queuedTokens) tokens waiting; "
                        + "limits \(maxTexts) texts, \(maxTokens) tokens); retry later or send fewer texts")
            }
        }
        jobs[id] = Job(inputs: inputs, enqueuedAt: now, unscheduledTokens: tokens)
        queue.append(id)
        queuedTexts += inputs.count
        queuedTokens += tokens
    }

    /// Cancels a job: its texts not yet handed to the model never run and rows that still arrive
    /// for it are dropped.
    ///
    /// - Returns: `false` when the job is unknown (already finished, failed or cancelled).
    @discardableResult
    public mutating func cancel(_ id: JobID) -> Bool {
        guard let job = jobs.removeValue(forKey: id) else { return false }
        queuedTexts -= job.unscheduledTexts
        queuedTokens -= job.unscheduledTokens
        return true
    }

    /// Removes every job that still has texts waiting (for shutdown). Jobs whose remaining texts
    /// are all in a running batch are kept so that batch can finish them.
    ///
    /// - Returns: the removed jobs, oldest first.
    public mutating func removeQueuedJobs() -> [JobID] {
        var removed: [JobID] = []
        while let id = queue.popFirst() {
            guard let job = jobs[id], job.unscheduledTexts > 0 else { continue }
            jobs[id] = nil
            removed.append(id)
        }
        queuedTexts = 0
        queuedTokens = 0
        return removed
    }

    /// The next batch for a free model.
    ///
    /// Texts are taken in FIFO order while they fit in `maxBatchTokens` (always at least one). With
    /// `maxWait` set, a batch that does not fill the budget is released only once the oldest
    /// queued job has waited `maxWait`; until then the answer is `.wait(until:)`.
    public mutating func nextBatch(now: ContinuousClock.Instant) -> Decision {
        while let head = queue.first, (jobs[head]?.unscheduledTexts ?? 0) == 0 {
            queue.removeFirst()
        }
        guard let head = queue.first, let oldest = jobs[head] else { return .idle }

        let budget = batchBudget
        var inputs: [[Int32]] = []
        var slices: [Slice] = []
        var tokens = 0
        var isFull = false
        scan: for id in queue {
            guard let job = jobs[id], job.unscheduledTexts > 0 else { continue }
            var taken = 0
            for input in job.inputs[job.nextInput...] {
                if !inputs.isEmpty && tokens + input.count > budget {
                    isFull = true
                    break
                }
                inputs.append(input)
                tokens += input.count
                taken += 1
                if tokens >= budget {
                    isFull = true
                    break
                }
            }
            if taken > 0 {
                slices.append(Slice(job: id, firstInput: job.nextInput, count: taken))
            }
            if isFull { break scan }
        }

        if let maxWait = configuration.maxWait, !isFull {
            let releaseAt = oldest.enqueuedAt + maxWait
            if now < releaseAt { return .wait(until: releaseAt) }
        }

        for slice in slices {
            guard let index = jobs.index(forKey: slice.job) else { continue }
            let end = slice.firstInput + slice.count
            var sliceTokens = 0
            for input in jobs.values[index].inputs[slice.firstInput..<end] {
                sliceTokens += input.count
            }
            jobs.values[index].nextInput = end
            jobs.values[index].unscheduledTokens -= sliceTokens
        }
        queuedTexts -= inputs.count
        queuedTokens -= tokens
        return .run(Batch(inputs: inputs, slices: slices, tokenCount: tokens))
    }

    /// Routes a batch's outcome to its jobs.
    ///
    /// On success the rows (`batch.inputs.count × dimension` floats) are copied to their jobs; on
    /// failure every live job in the batch fails, including its texts still queued. Rows for jobs
    /// that were cancelled meanwhile are dropped.
    ///
    /// - Returns: the jobs that finished or failed, in batch order.
    public mutating func complete(
        _ batch: Batch, with result: Result<[Float], ModelError>
    ) -> [Completion] {
        var completions: [Completion] = []
        let rows: [Float]
        switch result {
        case .success(let value):
            rows = value
        case .failure(let error):
            failJobs(in: batch, with: error, into: &completions)
            return completions
        }
        guard !batch.inputs.isEmpty, !rows.isEmpty, rows.count % batch.inputs.count == 0 else {
            let error = ModelError.tensorMismatch(
                "the model returned \(rows.count) floats for \(batch.inputs.count) inputs; "
                    + "expected a whole row per input")
            failJobs(in: batch, with: error, into: &completions)
            return completions
        }
        let dimension = rows.count / batch.inputs.count

        var row = 0
        for slice in batch.slices {
            defer { row += slice.count }
            guard let index = jobs.index(forKey: slice.job) else { continue }
            let rowRange = (row * dimension)..<((row + slice.count) * dimension)
            let inputCount = jobs.values[index].inputs.count
            if slice.firstInput == 0 && slice.count == inputCount {
                // The whole job is in this batch: hand its rows over without assembling.
                jobs.values[index].rows = batch.slices.count == 1 ? rows : Array(rows[rowRange])
                jobs.values[index].dimension = dimension
            } else {
                if jobs.values[index].rows.isEmpty {
                    jobs.values[index].dimension = dimension
                    jobs.values[index].rows = [Float](repeating: 0, count: inputCount * dimension)
                } else if jobs.values[index].dimension != dimension {
                    let error = ModelError.tensorMismatch(
                        "the model returned rows of \(dimension) floats for \(slice.job) after rows of "
                            + "\(jobs.values[index].dimension); every row must have the same width")
                    fail(slice.job, with: error, into: &completions)
                    continue
                }
                let start = slice.firstInput * dimension
                jobs.values[index].rows.replaceSubrange(start..<(start + rowRange.count), with: rows[rowRange])
            }
            jobs.values[index].finishedInputs += slice.count
            if jobs.values[index].finishedInputs == inputCount {
                let finished = jobs.remove(at: index).value
                completions.append(Completion(job: slice.job, result: .success(finished.rows)))
            }
        }
        return completions
    }

    private mutating func failJobs(in batch: Batch, with error: ModelError, into completions: inout [Completion]) {
        for slice in batch.slices {
            fail(slice.job, with: error, into: &completions)
        }
    }

    private mutating func fail(_ id: JobID, with error: ModelError, into completions: inout [Completion]) {
        guard let job = jobs.removeValue(forKey: id) else { return }
        queuedTexts -= job.unscheduledTexts
        queuedTokens -= job.unscheduledTokens
        completions.append(Completion(job: id, result: .failure(error)))
    }
}
