import Cluster
import Gateway
import NIOCore

extension MurmurConfiguration {
    /// The HTTP front door's settings: the listen address given, the limits from `[gateway]` (both
    /// roles share them), and TLS only when asked for (the gateway's `tls_listen`).
    func httpServerConfiguration(listen: Endpoint, withTLS: Bool = false) -> HTTPServer.Configuration {
        var tls: HTTPServer.Configuration.TLS?
        if withTLS, let address = gateway.tlsListen, let certificate = gateway.tlsCertificatePath,
            let key = gateway.tlsKeyPath
        {
            tls = .init(
                host: address.host, port: Int(address.port), certificateChainPath: certificate, privateKeyPath: key)
        }
        return HTTPServer.Configuration(
            host: listen.host,
            port: Int(listen.port),
            tls: tls,
            maxBodyBytes: gateway.maxBodyBytes,
            maxConcurrentStreams: gateway.maxConcurrentStreams,
            maxHeaderListBytes: gateway.maxHeaderListSize,
            idleTimeout: TimeAmount(gateway.idleTimeout),
            requestBodyTimeout: TimeAmount(gateway.requestTimeout),
            shutdownGracePeriod: TimeAmount(node.drainTimeout)
        )
    }
}
