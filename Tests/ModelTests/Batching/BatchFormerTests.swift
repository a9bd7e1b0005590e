import Testing

@testable import Model

/// A text of `tokens` tokens whose first id names it, so rows can be traced back to their text.
private func text(_ name: Int32, tokens: Int = 1) -> [Int32] {
    [name] + [Int32](repeating: 7, count: tokens - 1)
}

/// What a model of dimension 2 would return: row = (first id, token count).
private func rows(for batch: BatchFormer.Batch) -> [Float] {
    batch.inputs.flatMap { [Float($0[0]), Float($0.count)] }
}

/// The first id of every text in the batch, in row order.
private func names(_ batch: BatchFormer.Batch) -> [Int32] {
    batch.inputs.map { $0[0] }
}

private func job(_ raw: UInt64) -> BatchFormer.JobID { BatchFormer.JobID(raw) }

extension BatchFormer.Decision {
    fileprivate var batch: BatchFormer.Batch? {
        if case .run(let batch) = self { return batch }
        return nil
    }

    fileprivate var wakeTime: ContinuousClock.Instant? {
        if case .wait(let until) = self { return until }
        return nil
    }

    fileprivate var isIdle: Bool {
        if case .idle = self { return true }
        return false
    }
}

@Suite struct BatchFormerTests {
    let t0 = ContinuousClock.now

    @Test func emptyFormerIsIdle() {
        var former = BatchFormer()
        #expect(former.nextBatch(now: t0).isIdle)
        #expect(former.queuedTexts == 0 && former.queuedTokens == 0 && former.jobCount == 0)
    }

    @Test func takesJobsInArrivalOrder() throws {
        var former = BatchFormer()
        try former.enqueue([text(1), text(2)], id: job(10), now: t0)
        try former.enqueue([text(3)], id: job(5), now: t0)
        try former.enqueue([text(4), text(5), text(6)], id: job(7), now: t0)
        #expect(former.queuedTexts == 6)

        let batch = try #require(former.nextBatch(now: t0).batch)
        #expect(names(batch) == [1, 2, 3, 4, 5, 6])
        #expect(batch.slices.map(\.job) == [job(10), job(5), job(7)])
        #expect(batch.slices.map(\.count) == [2, 1, 3])
        #expect(batch.tokenCount == 6)
        #expect(former.queuedTexts == 0 && former.queuedTokens == 0)
        #expect(former.jobCount == 3)

        let completions = former.complete(batch, with: .success(rows(for: batch)))
        #expect(completions.map(\.job) == [job(10), job(5), job(7)])
        #expect(try completions[0].result.get() == [1, 1, 2, 1])
        #expect(try completions[1].result.get() == [3, 1])
        #expect(try completions[2].result.get() == [4, 1, 5, 1, 6, 1])
        #expect(former.jobCount == 0)
        #expect(former.nextBatch(now: t0).isIdle)
    }

    @Test func packsTextsUpToTheTokenBudget() throws {
        var former = BatchFormer(configuration: .init(maxBatchTokens: 10))
        try former.enqueue([text(1, tokens: 4)], id: job(1), now: t0)
        try former.enqueue([text(2, tokens: 4)], id: job(2), now: t0)
        try former.enqueue([text(3, tokens: 4)], id: job(3), now: t0)
        let first = try #require(former.nextBatch(now: t0).batch)
        #expect(names(first) == [1, 2])
        #expect(first.tokenCount == 8)
        #expect(former.queuedTexts == 1 && former.queuedTokens == 4)
        let second = try #require(former.nextBatch(now: t0).batch)
        #expect(names(second) == [3])
    }

    @Test func fillsTheBudgetExactly() throws {
        var former = BatchFormer(configuration: .init(maxBatchTokens: 10))
        try former.enqueue([text(1, tokens: 6), text(2, tokens: 4), text(3, tokens: 1)], id: job(1), now: t0)
        let first = try #require(former.nextBatch(now: t0).batch)
        #expect(names(first) == [1, 2])
        #expect(first.tokenCount == 10)
    }

    @Test func aTextOverTheBudgetRunsAlone() throws {
        var former = BatchFormer(configuration: .init(maxBatchTokens: 10))
        try former.enqueue([text(1, tokens: 50)], id: job(1), now: t0)
        try former.enqueue([text(2, tokens: 1)], id: job(2), now: t0)
        let first = try #require(former.nextBatch(now: t0).batch)
        #expect(names(first) == [1])
        #expect(first.tokenCount == 50)
        let second = try #require(former.nextBatch(now: t0).batch)
        #expect(names(second) == [2])
    }

    @Test func neverSkipsAheadOfATextThatDoesNotFit() throws {
        var former = BatchFormer(configuration: .init(maxBatchTokens: 10))
        try former.enqueue([text(1, tokens: 4)], id: job(1), now: t0)
        try former.enqueue([text(2, tokens: 8)], id: job(2), now: t0)
        try former.enqueue([text(3, tokens: 1)], id: job(3), now: t0)
        #expect(names(try #require(former.nextBatch(now: t0).batch)) == [1])
        #expect(names(try #require(former.nextBatch(now: t0).batch)) == [2, 3])
    }

    @Test func splitsABigJobAcrossBatchesAndCompletesItOnce() throws {
        var former = BatchFormer(configuration: .init(maxBatchTokens: 7))
        try former.enqueue((1...5).map { text($0, tokens: 3) }, id: job(1), now: t0)
        try former.enqueue([text(6, tokens: 1)], id: job(2), now: t0)

        let first = try #require(former.nextBatch(now: t0).batch)
        #expect(names(first) == [1, 2])
        #expect(first.slices == [BatchFormer.Slice(job: job(1), firstInput: 0, count: 2)])
        #expect(former.complete(first, with: .success(rows(for: first))).isEmpty)

        let second = try #require(former.nextBatch(now: t0).batch)
        #expect(names(second) == [3, 4])
        #expect(second.slices == [BatchFormer.Slice(job: job(1), firstInput: 2, count: 2)])

        // The rest of job 1 shares a batch with job 2.
        let third = try #require(former.nextBatch(now: t0).batch)
        #expect(names(third) == [5, 6])
        #expect(
            third.slices == [
                BatchFormer.Slice(job: job(1), firstInput: 4, count: 1),
                BatchFormer.Slice(job: job(2), firstInput: 0, count: 1),
            ])

        // Batches may finish out of order; rows still land in input order.
        let fromThird = former.complete(third, with: .success(rows(for: third)))
        #expect(fromThird.map(\.job) == [job(2)])
        let fromSecond = former.complete(second, with: .success(rows(for: second)))
        #expect(fromSecond.map(\.job) == [job(1)])
        #expect(try fromSecond[0].result.get() == [1, 3, 2, 3, 3, 3, 4, 3, 5, 3])
        #expect(former.jobCount == 0)
    }

    @Test func cancelledQueuedJobNeverRuns() throws {
        var former = BatchFormer()
        try former.enqueue([text(1)], id: job(1), now: t0)
        try former.enqueue([text(2), text(3)], id: job(2), now: t0)
        try former.enqueue([text(4)], id: job(3), now: t0)
        let cancelled = former.cancel(job(2))
        #expect(cancelled)
        #expect(former.queuedTexts == 2 && former.queuedTokens == 2 && former.jobCount == 2)
        let cancelledAgain = former.cancel(job(2))
        #expect(!cancelledAgain)

        let batch = try #require(former.nextBatch(now: t0).batch)
        #expect(names(batch) == [1, 4])
        #expect(former.complete(batch, with: .success(rows(for: batch))).map(\.job) == [job(1), job(3)])
    }

    @Test func cancellingTheHeadJobLeavesTheFormerIdle() throws {
        var former = BatchFormer()
        try former.enqueue([text(1)], id: job(1), now: t0)
        former.cancel(job(1))
        #expect(former.nextBatch(now: t0).isIdle)
    }

    @Test func cancellingARunningSplitJobSkipsItsRestAndDropsItsRows() throws {
        var former = BatchFormer(configuration: .init(maxBatchTokens: 2))
        try former.enqueue([text(1, tokens: 2), text(2, tokens: 2), text(3, tokens: 2)], id: job(1), now: t0)
        try former.enqueue([text(4, tokens: 2)], id: job(2), now: t0)
        let running = try #require(former.nextBatch(now: t0).batch)
        #expect(names(running) == [1])

        let cancelled = former.cancel(job(1))
        #expect(cancelled)
        #expect(former.queuedTexts == 1 && former.queuedTokens == 2)
        #expect(former.complete(running, with: .success(rows(for: running))).isEmpty)

        let next = try #require(former.nextBatch(now: t0).batch)
        #expect(names(next) == [4])
        #expect(former.complete(next, with: .success(rows(for: next))).map(\.job) == [job(2)])
        #expect(former.nextBatch(now: t0).isIdle)
    }

    @Test func refusesWorkOverTheTextBound() throws {
        var former = BatchFormer(configuration: .init(maxQueuedTexts: 3))
        try former.enqueue([text(1), text(2)], id: job(1), now: t0)
        #expect(throws: ModelError.self) { try former.enqueue([text(3), text(4)], id: job(2), now: t0) }
        do {
            try former.enqueue([text(3), text(4)], id: job(2), now: t0)
            Issue.record("expected overloaded")
        } catch {
            #expect(error.isOverloaded)
            #expect(error.message.contains("queue is full"))
        }
        #expect(former.queuedTexts == 2 && former.jobCount == 1)
        try former.enqueue([text(5)], id: job(3), now: t0)
        #expect(former.queuedTexts == 3)
    }

    @Test func refusesWorkOverTheTokenBound() throws {
        var former = BatchFormer(configuration: .init(maxQueuedTokens: 10))
        try former.enqueue([text(1, tokens: 6)], id: job(1), now: t0)
        do {
            try former.enqueue([text(2, tokens: 5)], id: job(2), now: t0)
            Issue.record("expected overloaded")
        } catch {
            #expect(error.isOverloaded)
        }
        try former.enqueue([text(3, tokens: 4)], id: job(3), now: t0)
        #expect(former.queuedTokens == 10)
    }

    @Test func acceptsAJobBiggerThanTheBoundsWhenNothingIsQueued() throws {
        var former = BatchFormer(configuration: .init(maxBatchTokens: 4, maxQueuedTokens: 4, maxQueuedTexts: 2))
        try former.enqueue((1...5).map { text($0, tokens: 2) }, id: job(1), now: t0)
        #expect(former.queuedTexts == 5 && former.queuedTokens == 10)
        do {
            try former.enqueue([text(9)], id: job(2), now: t0)
            Issue.record("expected overloaded")
        } catch {
            #expect(error.isOverloaded)
        }
        // Once the job has been handed to the model the queue is empty again: a running batch does
        // not count against the bounds.
        while former.queuedTexts > 0 { _ = former.nextBatch(now: t0) }
        try former.enqueue((1...5).map { text($0, tokens: 2) }, id: job(3), now: t0)
    }

    @Test func cancellingFreesQueueRoom() throws {
        var former = BatchFormer(configuration: .init(maxQueuedTexts: 2))
        try former.enqueue([text(1), text(2)], id: job(1), now: t0)
        #expect(throws: ModelError.self) { try former.enqueue([text(3)], id: job(2), now: t0) }
        former.cancel(job(1))
        try former.enqueue([text(3)], id: job(2), now: t0)
        try former.enqueue([text(4)], id: job(3), now: t0)
        #expect(former.queuedTexts == 2)
    }

    @Test func rejectsMalformedJobs() throws {
        var former = BatchFormer()
        for inputs in [[], [text(1), []]] as [[[Int32]]] {
            do {
                try former.enqueue(inputs, id: job(1), now: t0)
                Issue.record("expected invalid input for \(inputs)")
            } catch {
                #expect(!error.isOverloaded)
                #expect(error == .invalidInput(error.message))
            }
        }
        try former.enqueue([text(1)], id: job(1), now: t0)
        do {
            try former.enqueue([text(2)], id: job(1), now: t0)
            Issue.record("expected a duplicate id to be refused")
        } catch {
            #expect(error.message.contains("job 1"))
        }
        #expect(former.queuedTexts == 1 && former.jobCount == 1)
    }

    @Test func maxWaitHoldsASmallBatchUntilTheOldestJobHasWaited() throws {
        var former = BatchFormer(configuration: .init(maxBatchTokens: 100, maxWait: .milliseconds(10)))
        try former.enqueue([text(1)], id: job(1), now: t0)
        #expect(former.nextBatch(now: t0).wakeTime == t0 + .milliseconds(10))
        try former.enqueue([text(2)], id: job(2), now: t0 + .milliseconds(5))
        // The wake time follows the oldest job, not the newest.
        #expect(former.nextBatch(now: t0 + .milliseconds(9)).wakeTime == t0 + .milliseconds(10))
        #expect(former.queuedTexts == 2)
        let batch = try #require(former.nextBatch(now: t0 + .milliseconds(10)).batch)
        #expect(names(batch) == [1, 2])
    }

    @Test func maxWaitReleasesAFullBudgetAtOnce() throws {
        var former = BatchFormer(configuration: .init(maxBatchTokens: 4, maxWait: .seconds(1)))
        try former.enqueue([text(1, tokens: 2)], id: job(1), now: t0)
        #expect(former.nextBatch(now: t0).wakeTime == t0 + .seconds(1))
        try former.enqueue([text(2, tokens: 3)], id: job(2), now: t0)
        // Text 2 does not fit beside text 1: the budget is full, so the batch goes now.
        #expect(names(try #require(former.nextBatch(now: t0).batch)) == [1])
        // Text 2 alone does not fill the budget and its job has waited no time yet.
        #expect(former.nextBatch(now: t0).wakeTime == t0 + .seconds(1))
        try former.enqueue([text(3, tokens: 1)], id: job(3), now: t0)
        #expect(names(try #require(former.nextBatch(now: t0).batch)) == [2, 3])
    }

    @Test func withoutMaxWaitASingleTextRunsAtOnce() throws {
        var former = BatchFormer(configuration: .init(maxBatchTokens: 1000))
        try former.enqueue([text(1)], id: job(1), now: t0)
        #expect(names(try #require(former.nextBatch(now: t0).batch)) == [1])
    }

    @Test func aModelErrorFailsOnlyTheJobsInThatBatch() throws {
        var former = BatchFormer(configuration: .init(maxBatchTokens: 2))
        try former.enqueue([text(1), text(2)], id: job(1), now: t0)
        try former.enqueue([text(3), text(4), text(5)], id: job(2), now: t0)
        try former.enqueue([text(6)], id: job(3), now: t0)
        #expect(names(try #require(former.nextBatch(now: t0).batch)) == [1, 2])
        let failing = try #require(former.nextBatch(now: t0).batch)
        #expect(names(failing) == [3, 4])

        let failure = former.complete(failing, with: .failure(.invalidInput("bad tokens")))
        #expect(failure.map(\.job) == [job(2)])
        #expect(throws: ModelError.invalidInput("bad tokens")) { try failure[0].result.get() }
        // Job 2's last text is dropped with it; job 3 still runs.
        #expect(former.queuedTexts == 1)
        let next = try #require(former.nextBatch(now: t0).batch)
        #expect(names(next) == [6])
        #expect(former.complete(next, with: .success(rows(for: next))).map(\.job) == [job(3)])
    }

    @Test func rowsOfTheWrongSizeFailTheBatch() throws {
        var former = BatchFormer()
        try former.enqueue([text(1), text(2)], id: job(1), now: t0)
        let batch = try #require(former.nextBatch(now: t0).batch)
        let completions = former.complete(batch, with: .success([1, 2, 3]))
        #expect(completions.count == 1)
        #expect(throws: ModelError.self) { try completions[0].result.get() }
        #expect(former.jobCount == 0)
    }

    @Test func rowsChangingWidthMidJobFailTheJob() throws {
        var former = BatchFormer(configuration: .init(maxBatchTokens: 1))
        try former.enqueue([text(1), text(2)], id: job(1), now: t0)
        let first = try #require(former.nextBatch(now: t0).batch)
        let second = try #require(former.nextBatch(now: t0).batch)
        #expect(former.complete(first, with: .success([1, 2])).isEmpty)
        let completions = former.complete(second, with: .success([1, 2, 3]))
        #expect(completions.map(\.job) == [job(1)])
        #expect(throws: ModelError.self) { try completions[0].result.get() }
    }

    @Test func removingQueuedJobsKeepsFullyRunningOnes() throws {
        var former = BatchFormer(configuration: .init(maxBatchTokens: 2))
        try former.enqueue([text(1), text(2)], id: job(1), now: t0)
        try former.enqueue([text(3), text(4)], id: job(2), now: t0)
        try former.enqueue([text(5)], id: job(3), now: t0)
        let running = try #require(former.nextBatch(now: t0).batch)
        #expect(names(running) == [1, 2])
        #expect(former.removeQueuedJobs() == [job(2), job(3)])
        #expect(former.queuedTexts == 0 && former.queuedTokens == 0 && former.jobCount == 1)
        #expect(former.nextBatch(now: t0).isIdle)
        #expect(former.complete(running, with: .success(rows(for: running))).map(\.job) == [job(1)])
    }

    @Test func removingQueuedJobsDropsAPartlyRunJob() throws {
        var former = BatchFormer(configuration: .init(maxBatchTokens: 1))
        try former.enqueue([text(1), text(2)], id: job(1), now: t0)
        let running = try #require(former.nextBatch(now: t0).batch)
        #expect(former.removeQueuedJobs() == [job(1)])
        #expect(former.complete(running, with: .success(rows(for: running))).isEmpty)
        #expect(former.jobCount == 0)
    }

    @Test func limitsBelowOneBehaveAsOne() throws {
        var former = BatchFormer(configuration: .init(maxBatchTokens: 0, maxQueuedTokens: -5, maxQueuedTexts: 0))
        try former.enqueue([text(1), text(2)], id: job(1), now: t0)
        #expect(throws: ModelError.self) { try former.enqueue([text(3)], id: job(2), now: t0) }
        #expect(names(try #require(former.nextBatch(now: t0).batch)) == [1])
        #expect(names(try #require(former.nextBatch(now: t0).batch)) == [2])
    }
}
