/// Why one value cannot be used, before the loader knows where the value came from; the loader
/// turns it into a `ConfigurationError` prefixed with the origin and the key.
struct InvalidValue: Error, Hashable, Sendable {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}
