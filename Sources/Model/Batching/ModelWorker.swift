import Dispatch
import Foundation
import Synchronization

/// The state a `DynamicBatcher` shares with its model thread, and the loop that thread runs.
///
/// Callers and the model thread meet in one `Mutex` around a `BatchFormer` and the callers'
/// continuations; every decision is made under the lock, and continuations are resumed and the
/// model is run outside it. The model thread sleeps on a semaphore used as a condition variable:
/// it sets `isWorkerSleeping` under the lock before waiting, and whoever queues work while that flag
/// is set clears it and signals, so a wake-up is never lost and never sent to a busy thread.
final class ModelWorker: Sendable {
    typealias Waiter = CheckedContinuation<Result<[Float], ModelError>, Never>

    private struct State: Sendable {
        var former: BatchFormer
        var waiters: [BatchFormer.JobID: Waiter] = [:]
        var isWorkerSleeping = false
        var isShutDown = false
    }

    private enum Step {
        case run(BatchFormer.Batch)
        case sleep(until: ContinuousClock.Instant?)
        case exit
    }

    private enum Admission {
        case queued(wake: Bool)
        case refused(ModelError)
    }

    private let model: any EmbeddingModel
    private let state: Mutex<State>
    private let wake = DispatchSemaphore(value: 0)
    /// Signalled once by the model thread as it exits; `join()` waits for it and passes it on.
    private let exited = DispatchSemaphore(value: 0)
    private let nextJobID = Atomic<UInt64>(0)

    private let queuedTexts = Atomic<Int>(0)
    private let queuedTokens = Atomic<Int>(0)
    private let jobsInFlight = Atomic<Int>(0)
    private let batchesRun = Atomic<Int>(0)
    private let batchesFailed = Atomic<Int>(0)
    private let textsEmbedded = Atomic<Int>(0)
    private let tokensEmbedded = Atomic<Int>(0)
    private let lastBatchTexts = Atomic<Int>(0)
    private let lastBatchTokens = Atomic<Int>(0)
    private let jobsRejected = Atomic<Int>(0)
    private let isModelBusy = Atomic<Bool>(false)

    init(model: any EmbeddingModel, configuration: BatchFormer.Configuration) {
        self.model = model
        self.state = Mutex(State(former: BatchFormer(configuration: configuration)))
    }

    /// Starts the model thread. Call once.
    func start(threadName: String) {
        let thread = Thread { [self] in
            runLoop()
            exited.signal()
        }
        thread.name = threadName
        // Match the pthread default: model code may keep sizeable scratch on the stack.
        thread.stackSize = 8 << 20
        thread.start()
    }

    var stats: DynamicBatcher.Stats {
        DynamicBatcher.Stats(
            queuedTexts: queuedTexts.load(ordering: .relaxed),
            queuedTokens: queuedTokens.load(ordering: .relaxed),
            jobsInFlight: jobsInFlight.load(ordering: .relaxed),
            batchesRun: batchesRun.load(ordering: .relaxed),
            batchesFailed: batchesFailed.load(ordering: .relaxed),
            textsEmbedded: textsEmbedded.load(ordering: .relaxed),
            tokensEmbedded: tokensEmbedded.load(ordering: .relaxed),
            lastBatchTexts: lastBatchTexts.load(ordering: .relaxed),
            lastBatchTokens: lastBatchTokens.load(ordering: .relaxed),
            jobsRejected: jobsRejected.load(ordering: .relaxed),
            isModelBusy: isModelBusy.load(ordering: .relaxed)
        )
    }

    func embed(_ inputs: [[Int32]]) async -> Result<[Float], ModelError> {
        let id = BatchFormer.JobID(nextJobID.add(1, ordering: .relaxed).newValue)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: Waiter) in
                submit(inputs, id: id, waiter: waiter)
            }
        } onCancel: {
            cancel(id)
        }
    }

    private func submit(_ inputs: [[Int32]], id: BatchFormer.JobID, waiter: Waiter) {
        let now = ContinuousClock.now
        let admission = state.withLock { state -> Admission in
            guard !state.isShutDown else {
                return .refused(.shutDown("the model '\(model.name)' is shutting down and takes no new work"))
            }
            // Checked under the lock: a cancellation handler that ran before this point found no
            // waiter to cancel, so the request must see its cancellation here instead.
            guard !Task.isCancelled else {
                return .refused(.cancelled("the request was cancelled before it was queued"))
            }
            do throws(ModelError) {
                try state.former.enqueue(inputs, id: id, now: now)
            } catch {
                return .refused(error)
            }
            state.waiters[id] = waiter
            publishQueue(state)
            let wake = state.isWorkerSleeping
            state.isWorkerSleeping = false
            return .queued(wake: wake)
        }
        switch admission {
        case .queued(let wake):
            if wake { self.wake.signal() }
        case .refused(let error):
            if error.isOverloaded { jobsRejected.add(1, ordering: .relaxed) }
            waiter.resume(returning: .failure(error))
        }
    }

    private func cancel(_ id: BatchFormer.JobID) {
        let waiter = state.withLock { state -> Waiter? in
            guard let waiter = state.waiters.removeValue(forKey: id) else { return nil }
            state.former.cancel(id)
            publishQueue(state)
            return waiter
        }
        waiter?.resume(returning: .failure(.cancelled("the request was cancelled before its texts were embedded")))
    }

    /// Fails queued work with `.shutDown`, lets a running batch finish, and waits for the model
    /// thread to exit. Safe to call more than once and from several threads.
    func shutdown() {
        let (refused, wake) = state.withLock { state -> ([Waiter], Bool) in
            guard !state.isShutDown else { return ([], false) }
            state.isShutDown = true
            let refused = state.former.removeQueuedJobs().compactMap { state.waiters.removeValue(forKey: $0) }
            publishQueue(state)
            let wake = state.isWorkerSleeping
            state.isWorkerSleeping = false
            return (refused, wake)
        }
        for waiter in refused {
            waiter.resume(returning: .failure(.shutDown("the model '\(model.name)' shut down before this request ran")))
        }
        if wake { self.wake.signal() }
        exited.wait()
        exited.signal()
    }

    private func publishQueue(_ state: borrowing State) {
        queuedTexts.store(state.former.queuedTexts, ordering: .relaxed)
        queuedTokens.store(state.former.queuedTokens, ordering: .relaxed)
        jobsInFlight.store(state.waiters.count, ordering: .relaxed)
    }

    private func runLoop() {
        while true {
            let now = ContinuousClock.now
            let step = state.withLock { state -> Step in
                state.isWorkerSleeping = false
                switch state.former.nextBatch(now: now) {
                case .run(let batch):
                    publishQueue(state)
                    isModelBusy.store(true, ordering: .relaxed)
                    return .run(batch)
                case .wait(let deadline):
                    guard !state.isShutDown else { return .exit }
                    state.isWorkerSleeping = true
                    return .sleep(until: deadline)
                case .idle:
                    guard !state.isShutDown else { return .exit }
                    state.isWorkerSleeping = true
                    return .sleep(until: nil)
                }
            }
            switch step {
            case .exit:
                return
            case .sleep(until: nil):
                wake.wait()
            case .sleep(until: let deadline?):
                let remaining = ContinuousClock.now.duration(to: deadline)
                _ = wake.wait(timeout: .now() + .nanoseconds(Int(clamping: remaining.nanoseconds)))
            case .run(let batch):
                run(batch)
            }
        }
    }

    private func run(_ batch: BatchFormer.Batch) {
        let result = Result { () throws(ModelError) -> [Float] in try model.embed(batch.inputs) }
        batchesRun.add(1, ordering: .relaxed)
        if case .failure = result { batchesFailed.add(1, ordering: .relaxed) }
        textsEmbedded.add(batch.inputs.count, ordering: .relaxed)
        tokensEmbedded.add(batch.tokenCount, ordering: .relaxed)
        lastBatchTexts.store(batch.inputs.count, ordering: .relaxed)
        lastBatchTokens.store(batch.tokenCount, ordering: .relaxed)
        let finished = state.withLock { state -> [(Waiter, Result<[Float], ModelError>)] in
            let completions = state.former.complete(batch, with: result)
            var finished: [(Waiter, Result<[Float], ModelError>)] = []
            finished.reserveCapacity(completions.count)
            for completion in completions {
                if let waiter = state.waiters.removeValue(forKey: completion.job) {
                    finished.append((waiter, completion.result))
                }
            }
            publishQueue(state)
            isModelBusy.store(false, ordering: .relaxed)
            return finished
        }
        for (waiter, result) in finished {
            waiter.resume(returning: result)
        }
    }
}

extension Duration {
    /// Whole nanoseconds, saturating; negative durations become zero.
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        return scaled + attoseconds / 1_000_000_000
    }
}
