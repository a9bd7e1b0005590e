import Gateway
import NIOCore
import NIOPosix

/// Asks one child `GET /ready` over HTTP/2 (prior-knowledge h2c, the way the gateway talks to nodes),
/// through a `BackendPool` that keeps one connection open between checks.
struct ReadinessProbe: Sendable {
    private let pool: BackendPool
    private let timeout: TimeAmount

    init(port: Int, host: String = ClusterPlan.host, timeout: TimeAmount = .seconds(1)) throws {
        var configuration = BackendPool.Configuration()
        configuration.maximumConnections = 1
        configuration.connectTimeout = timeout
        // While the child is still loading, connects are refused: retry soon, the model load is what
        // takes long, not the port opening.
        configuration.backoff = ReconnectBackoff(initial: .milliseconds(50), maximum: .milliseconds(200))
        self.pool = BackendPool(
            address: try SocketAddress(ipAddress: host, port: port),
            configuration: configuration,
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton
        )
        self.timeout = timeout
    }

    /// `.starting` when nothing answers, `.waiting` when `/ready` answers but not 200, `.ready` on 200.
    func check() async -> ChildPhase {
        let request = BackendRequest(method: .GET, path: "/ready", deadline: .now() + timeout)
        do {
            let response = try await pool.send(request)
            return response.status == .ok ? .ready : .waiting
        } catch {
            return .starting
        }
    }

    /// Closes the connection.
    func shutdown() async {
        await pool.shutdown()
    }
}
