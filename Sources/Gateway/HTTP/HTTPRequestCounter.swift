import Synchronization

/// Requests between their head arriving and their response being handed to the connection (or
/// abandoned). Shared by the server and the stream handlers its pipelines build, which exist before
/// the server object does; one relaxed atomic add per request start and end.
final class HTTPRequestCounter: Sendable {
    private let count = Atomic<Int>(0)

    var value: Int { count.load(ordering: .relaxed) }

    func started() {
        count.add(1, ordering: .relaxed)
    }

    func finished() {
        count.subtract(1, ordering: .relaxed)
    }
}
