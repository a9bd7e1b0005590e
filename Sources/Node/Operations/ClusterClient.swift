import Cluster
import Gateway
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The CLI's HTTP/2 client for murmur ports: `GET /cluster` from a gateway and `POST /admin/…` to
/// nodes, each request bounded by ``timeout``.
///
/// It keeps one small ``BackendPool`` (prior-knowledge h2c, which every murmur HTTP port speaks) per
/// address, so polling reuses one connection. Failures come back as ``ClusterRequestError`` with a
/// short reason ("connection refused") for the caller to put in a sentence.
final class ClusterClient: Sendable {
    /// How long one request may take, connecting included.
    let timeout: Duration
    private let group: any EventLoopGroup
    private let pools = Mutex<[HTTPAddress: BackendPool]>([:])

    init(timeout: Duration = .seconds(5), eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.timeout = timeout
        self.group = eventLoopGroup
    }

    /// Fetches and decodes `/cluster`; a non-200 answer or a body that is not a cluster document is
    /// an error too. Returns the body as received along with its decoding.
    func fetchCluster(from address: HTTPAddress) async throws(ClusterRequestError) -> (
        body: [UInt8], document: ClusterDocument
    ) {
        let (status, body) = try await send(method: .GET, path: "/cluster", to: address, headers: HTTPHeaders())
        guard status == 200 else {
            let excerpt = String(decoding: body.prefix(200), as: UTF8.self)
            throw ClusterRequestError(
                reason: "GET /cluster answered \(status)\(excerpt.isEmpty ? "" : ": \(excerpt)")",
                mayHaveBeenProcessed: true)
        }
        do {
            return (body, try ClusterDocument(json: body))
        } catch {
            throw ClusterRequestError(reason: error.message, mayHaveBeenProcessed: true)
        }
    }

    /// Sends `POST /admin/<command>` with the Bearer token; any HTTP status is an answer.
    func send(_ command: AdminCommand, to address: HTTPAddress, token: String) async throws(ClusterRequestError)
        -> AdminReply
    {
        var headers = HTTPHeaders()
        headers.add(name: "authorization", value: "Bearer \(token)")
        let (status, body) = try await send(method: .POST, path: command.path, to: address, headers: headers)
        return AdminReply(status: status, body: body)
    }

    /// Closes the connection to `address` (a node that is about to re-exec has no use for it).
    func forget(_ address: HTTPAddress) async {
        let pool = pools.withLock { $0.removeValue(forKey: address) }
        await pool?.shutdown()
    }

    /// Closes every connection; call once when done.
    func shutdown() async {
        let all = pools.withLock { pools in
            defer { pools.removeAll() }
            return Array(pools.values)
        }
        for pool in all { await pool.shutdown() }
    }

    private func send(
        method: HTTPMethod, path: String, to address: HTTPAddress, headers: HTTPHeaders
    ) async throws(ClusterRequestError) -> (status: Int, body: [UInt8]) {
        let pool = try pool(for: address)
        let request = BackendRequest(
            method: method,
            path: path,
            headers: headers,
            deadline: .now() + TimeAmount(timeout)
        )
        do {
            let response = try await pool.send(request)
            return (Int(response.status.code), Array(response.body.readableBytesView))
        } catch {
            throw ClusterRequestError(
                reason: Self.reason(for: error, timeout: timeout),
                mayHaveBeenProcessed: !error.isSafeToRetry
            )
        }
    }

    private func pool(for address: HTTPAddress) throws(ClusterRequestError) -> BackendPool {
        if let pool = pools.withLock({ $0[address] }) { return pool }
        let socketAddress: SocketAddress
        do {
            socketAddress = try Endpoint(host: address.host, port: address.port).resolve()
        } catch {
            throw ClusterRequestError(reason: "cannot resolve host '\(address.host)'", mayHaveBeenProcessed: false)
        }
        var configuration = BackendPool.Configuration()
        configuration.maximumConnections = 1
        configuration.connectTimeout = TimeAmount(min(timeout, .seconds(2)))
        // Polling retries every few hundred milliseconds: do not let back-off hide a node that is back.
        configuration.backoff = ReconnectBackoff(initial: .milliseconds(20), maximum: .milliseconds(200))
        // Making a pool does no I/O, so it is made under the lock: two racing callers share one.
        return pools.withLock { pools in
            if let existing = pools[address] { return existing }
            let pool = BackendPool(
                address: socketAddress,
                authority: address.authority,
                configuration: configuration,
                eventLoopGroup: group
            )
            pools[address] = pool
            return pool
        }
    }

    /// A short reason for a failed request: the usual socket errors by name, else the pool's message.
    static func reason(for error: BackendError, timeout: Duration) -> String {
        let text = error.message.lowercased()
        if text.contains("connection refused") || text.contains("econnrefused") || text.contains("errno: 111") {
            return "connection refused"
        }
        if text.contains("no route to host") { return "no route to host" }
        if text.contains("network is unreachable") { return "network is unreachable" }
        if error.code == .timedOut { return "no answer within \(timeout.configurationText)" }
        if text.contains("timed out") || text.contains("timeout") { return "connecting timed out" }
        if text.contains("connection reset") { return "connection reset by peer" }
        return "\(error.code): \(error.message)"
    }
}

extension TimeAmount {
    fileprivate init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
