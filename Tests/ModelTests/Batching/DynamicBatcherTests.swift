import Foundation
import Testing

@testable import Model

/// Yields until `condition` holds: the batcher's state changes on other tasks and its own thread,
/// and its lock-free stats let the test see when they have happened without sleeping. Gives up
/// (recording an issue) when the test's time limit cancels it, so a broken batcher fails the test
/// instead of hanging it.
private func eventually(
    _ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation
) async {
    while !condition() {
        if Task.isCancelled {
            Issue.record("condition never held", sourceLocation: sourceLocation)
            return
        }
        await Task.yield()
    }
}

/// Runs `body` on a fresh OS thread (a blocking call must not hold one of the few cooperative
/// threads) and returns once it has finished.
private func onOwnThread(_ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
        Thread {
            body()
            done.resume()
        }.start()
    }
}

private func error(of result: Result<[Float], any Error>) -> ModelError? {
    guard case .failure(let error) = result else { return nil }
    return error as? ModelError
}

@Suite(.timeLimit(.minutes(1))) struct DynamicBatcherTests {
    @Test func batchesFormFromWhatQueuedWhileTheModelWasBusy() async throws {
        let model = GatedModel()
        let batcher = DynamicBatcher(model: model)
        defer {
            model.open()
            batcher.shutdown()
        }
        var started = model.batches.makeAsyncIterator()

        async let first = batcher.embed([[1]])
        #expect(await started.next() == [[1]])
        #expect(batcher.stats.isModelBusy)

        async let second = batcher.embed([[2, 0], [3]])
        async let third = batcher.embed([[4]])
        async let fourth = batcher.embed([[5, 0, 0]])
        await eventually { batcher.stats.queuedTexts == 4 }
        #expect(batcher.stats.queuedTokens == 7)
        #expect(batcher.stats.jobsInFlight == 4)

        model.release()
        let next = try #require(await started.next())
        #expect(next.map { $0[0] }.sorted() == [2, 3, 4, 5])
        model.release()

        #expect(try await first == [1, 1])
        #expect(try await second == [2, 2, 3, 1])
        #expect(try await third == [4, 1])
        #expect(try await fourth == [5, 3])

        let stats = batcher.stats
        #expect(stats.batchesRun == 2)
        #expect(stats.textsEmbedded == 5)
        #expect(stats.tokensEmbedded == 8)
        #expect(stats.lastBatchTexts == 4)
        #expect(stats.lastBatchTokens == 7)
        #expect(stats.queuedTexts == 0 && stats.jobsInFlight == 0)
        #expect(!stats.isModelBusy)
    }

    @Test func aFullQueueFailsFast() async throws {
        let model = GatedModel()
        let batcher = DynamicBatcher(model: model, configuration: .init(maxQueuedTexts: 2))
        defer {
            model.open()
            batcher.shutdown()
        }
        var started = model.batches.makeAsyncIterator()

        async let running = batcher.embed([[1]])
        _ = await started.next()
        async let queued = batcher.embed([[2], [3]])
        await eventually { batcher.stats.queuedTexts == 2 }

        // The model is still blocked: this answer cannot have waited for it.
        await #expect(throws: ModelError.self) { try await batcher.embed([[4]]) }
        do {
            _ = try await batcher.embed([[4]])
            Issue.record("expected overloaded")
        } catch {
            #expect(error.isOverloaded)
        }
        #expect(batcher.stats.jobsRejected == 2)

        model.release(batches: 2)
        #expect(try await running == [1, 1])
        #expect(try await queued == [2, 1, 3, 1])
    }

    @Test func cancellingAQueuedCallerSkipsItsTexts() async throws {
        let model = GatedModel()
        let batcher = DynamicBatcher(model: model)
        defer {
            model.open()
            batcher.shutdown()
        }
        var started = model.batches.makeAsyncIterator()

        async let running = batcher.embed([[1]])
        _ = await started.next()
        let cancelled = Task { try await batcher.embed([[2], [2]]) }
        await eventually { batcher.stats.queuedTexts == 2 }
        cancelled.cancel()
        // The caller is answered at once, while the model is still busy.
        #expect(error(of: await cancelled.result)?.isCancelled == true)
        #expect(batcher.stats.queuedTexts == 0)
        #expect(batcher.stats.jobsInFlight == 1)

        async let later = batcher.embed([[3]])
        await eventually { batcher.stats.queuedTexts == 1 }
        model.release()
        #expect(await started.next() == [[3]])
        model.release()
        #expect(try await running == [1, 1])
        #expect(try await later == [3, 1])
        #expect(batcher.stats.textsEmbedded == 2)
    }

    @Test func aCallerCancelledBeforeQueueingNeverReachesTheModel() async throws {
        let batcher = DynamicBatcher(model: EchoModel())
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await batcher.embed([[1]])
        }
        #expect(error(of: await task.result)?.isCancelled == true)
        #expect(try await batcher.embed([[2]]) == [2, 1])
        #expect(batcher.stats.textsEmbedded == 1)
        batcher.shutdown()
    }

    @Test func aModelErrorFailsOnlyTheJobsInItsBatch() async throws {
        let model = GatedModel(failing: [2])
        let batcher = DynamicBatcher(model: model, configuration: .init(maxBatchTokens: 1))
        defer {
            model.open()
            batcher.shutdown()
        }
        var started = model.batches.makeAsyncIterator()

        async let first = batcher.embed([[1]])
        _ = await started.next()
        let poisoned = Task { try await batcher.embed([[2]]) }
        await eventually { batcher.stats.queuedTexts == 1 }
        async let last = batcher.embed([[3]])
        await eventually { batcher.stats.queuedTexts == 2 }
        model.release(batches: 3)

        #expect(try await first == [1, 1])
        #expect(error(of: await poisoned.result) == .invalidInput("poisoned"))
        #expect(try await last == [3, 1])
        #expect(batcher.stats.batchesRun == 3)
        #expect(batcher.stats.batchesFailed == 1)
    }

    @Test func shutdownFailsQueuedWorkAndFinishesTheRunningBatch() async throws {
        let model = GatedModel()
        let batcher = DynamicBatcher(model: model)
        defer {
            model.open()
            batcher.shutdown()
        }
        var started = model.batches.makeAsyncIterator()

        async let running = batcher.embed([[1]])
        _ = await started.next()
        let queued = Task { try await batcher.embed([[2]]) }
        await eventually { batcher.stats.queuedTexts == 1 }

        // shutdown() blocks until the running batch ends, so it runs on its own thread.
        async let shutDown: Void = onOwnThread { batcher.shutdown() }
        #expect(error(of: await queued.result)?.isShutDown == true)
        model.release()
        #expect(try await running == [1, 1])
        await shutDown

        do {
            _ = try await batcher.embed([[3]])
            Issue.record("expected shutDown")
        } catch {
            #expect(error.isShutDown)
        }
        batcher.shutdown()
        #expect(batcher.stats.jobsInFlight == 0)
        #expect(batcher.stats.textsEmbedded == 1)
    }

    @Test func shutdownOfAnIdleBatcherReturns() async throws {
        let batcher = DynamicBatcher(model: EchoModel())
        #expect(try await batcher.embed([[7]]) == [7, 1])
        await onOwnThread { batcher.shutdown() }
        await #expect(throws: ModelError.self) { try await batcher.embed([[7]]) }
    }

    @Test func aJobBiggerThanTheBudgetIsSplitAndReassembled() async throws {
        let batcher = DynamicBatcher(model: EchoModel(), configuration: .init(maxBatchTokens: 4))
        let inputs: [[Int32]] = (1...5).map { [Int32($0), 0] }
        #expect(try await batcher.embed(inputs) == [1, 2, 2, 2, 3, 2, 4, 2, 5, 2])
        #expect(batcher.stats.batchesRun == 3)
        #expect(batcher.stats.lastBatchTexts == 1)
        batcher.shutdown()
    }

    @Test func emptyAndTokenlessInputs() async throws {
        let batcher = DynamicBatcher(model: EchoModel())
        #expect(try await batcher.embed([]) == [])
        await #expect(throws: ModelError.self) { try await batcher.embed([[1], []]) }
        #expect(batcher.stats.batchesRun == 0)
        batcher.shutdown()
    }

    @Test func maxWaitStillDeliversEveryCaller() async throws {
        let batcher = DynamicBatcher(
            model: EchoModel(), configuration: .init(maxBatchTokens: 1000, maxWait: .milliseconds(2)))
        let results = await withTaskGroup(of: (Int32, [Float]?).self) { group in
            for id in Int32(1)...8 {
                group.addTask { (id, try? await batcher.embed([[id]])) }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for id in Int32(1)...8 {
            #expect(results[id] == [Float(id), 1])
        }
        batcher.shutdown()
    }

    @Test func manyConcurrentCallersEachGetTheirOwnRows() async throws {
        let model = SyntheticModel()
        let batcher = DynamicBatcher(model: model, configuration: .init(maxBatchTokens: 64))
        let texts = (0..<200).map { "caller \($0) says hello to number \($0 % 7)" }
        let results = await withTaskGroup(of: (Int, Result<[Float], ModelError>).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask {
                    let inputs = [model.tokenize(text), model.tokenize(text + " again")]
                    do throws(ModelError) {
                        return (index, .success(try await batcher.embed(inputs)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for (index, text) in texts.enumerated() {
            let expected = try model.embed([model.tokenize(text), model.tokenize(text + " again")])
            #expect(try results[index]?.get() == expected)
        }
        #expect(batcher.stats.textsEmbedded == 400)
        batcher.shutdown()
    }
}
