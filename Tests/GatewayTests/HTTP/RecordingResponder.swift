import Gateway
import NIOCore
import NIOHTTP1
import Synchronization

/// A responder for server tests: answers every request with a summary of what it received
/// (`<method> <target> <body bytes> <protocol>`), counts calls, and — for targets starting with
/// `/hold` — reports that it started, then waits until the test opens the gate or the task is
/// cancelled, reporting which happened. `/large/<n>` answers with `n` bytes.
final class RecordingResponder: HTTPResponder {
    enum Event: Equatable, Sendable {
        case started(String)
        case cancelled(String)
    }

    private let calls = Atomic<Int>(0)
    private let gate = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    let events: AsyncStream<Event>
    private let eventSink: AsyncStream<Event>.Continuation

    init() {
        (events, eventSink) = AsyncStream.makeStream(of: Event.self)
    }

    var callCount: Int { calls.load(ordering: .sequentiallyConsistent) }

    func openGate() {
        let waiters = gate.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        calls.add(1, ordering: .sequentiallyConsistent)
        let target = request.target
        if target.hasPrefix("/hold") {
            eventSink.yield(.started(target))
            await waitForGateOrCancellation()
            if Task.isCancelled {
                eventSink.yield(.cancelled(target))
                return HTTPResponse(status: .serviceUnavailable)
            }
        }
        if target.hasPrefix("/large/"), let size = Int(target.dropFirst("/large/".count)) {
            return HTTPResponse(status: .ok, body: ByteBuffer(repeating: UInt8(ascii: "z"), count: size))
        }
        let summary =
            "\(request.method.rawValue) \(target) \(request.body.readableBytes) \(request.wireProtocol.rawValue)"
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/plain")
        return HTTPResponse(status: .ok, headers: headers, body: ByteBuffer(string: summary))
    }

    private func waitForGateOrCancellation() async {
        // A cancellation wakes every waiter, so each loops until its own task is cancelled or the gate is open.
        while !Task.isCancelled, !gate.withLock({ $0.open }) {
            await waitOnce()
        }
    }

    private func waitOnce() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = gate.withLock { state in
                    if state.open || Task.isCancelled { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiters = gate.withLock { state in
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }
}
