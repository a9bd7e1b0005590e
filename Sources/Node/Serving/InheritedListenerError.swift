/// Why a listening socket handed over by the previous process image (`ListenerHandOff`) is not
/// used; the gateway then binds the configured address afresh and logs this message.
struct InheritedListenerError: Error, Hashable, Sendable, CustomStringConvertible {
    var message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
