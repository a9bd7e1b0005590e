import Gateway

/// Which of the listening sockets handed over in `MURMUR_LISTEN_FDS` a starting gateway serves on.
///
/// A handed-over descriptor is adopted when the kernel says it is a listening TCP socket and it
/// listens where the (re-read) configuration says that listener should; otherwise that listener
/// binds its address afresh and the reason is logged. A socket for a listener no longer configured,
/// or listening elsewhere than configured, is closed (`unused`); a descriptor that is no listening
/// socket at all is left alone, as it is not known to be ours.
struct ListenerAdoption: Sendable, Hashable {
    /// Descriptors to serve on, by listener.
    var adopted: [ListenerHandOff.Listener: CInt] = [:]
    /// Listening sockets handed over that no configured listener can use: close them.
    var unused: [CInt] = []
    /// Why something handed over is not used, one line each, for the log.
    var problems: [String] = []

    /// Decides from the variable's value (nil when unset), the server configuration, and
    /// `inspect`, which asks the kernel about a descriptor.
    init(
        handedOver value: String?,
        configuration: HTTPServer.Configuration,
        inspect: (CInt) throws(InheritedListenerError) -> ListeningSocket
    ) {
        guard let value else { return }
        let handedOver: [ListenerHandOff.Listener: CInt]
        do {
            handedOver = try ListenerHandOff.descriptors(in: value)
        } catch {
            problems.append(error.message)
            return
        }
        for (listener, descriptor) in handedOver.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let socket: ListeningSocket
            do {
                socket = try inspect(descriptor)
            } catch {
                problems.append("\(listener.rawValue): \(error.message); binding the address afresh")
                continue
            }
            let wanted: (host: String, port: Int)?
            switch listener {
            case .plain: wanted = (configuration.host, configuration.port)
            case .tls: wanted = configuration.tls.map { ($0.host, $0.port) }
            }
            guard let wanted else {
                problems.append(
                    "tls: descriptor \(descriptor) was handed over but TLS is no longer configured; closing it")
                unused.append(descriptor)
                continue
            }
            if let mismatch = socket.mismatch(host: wanted.host, port: wanted.port) {
                problems.append(
                    "\(listener.rawValue): \(mismatch) (the configuration changed); closing it and binding afresh")
                unused.append(descriptor)
                continue
            }
            adopted[listener] = descriptor
        }
    }
}
