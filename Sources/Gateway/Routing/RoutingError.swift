/// Why a request could not be routed, or its parts not put back together.
///
/// A struct wrapping a private code so new reasons can be added without breaking callers; the API
/// layer maps `code` to one HTTP status (`modelNotServed` → 404, `noHealthyBackend` → 503,
/// `saturated` → 429, `mismatchedResults` → 502).
public struct RoutingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure it is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// No backend in the cluster lists the model.
        public static let modelNotServed = Code("model_not_served")
        /// Backends list the model but none may take the request now (down, draining, ejected, or
        /// already tried).
        public static let noHealthyBackend = Code("no_healthy_backend")
        /// Healthy backends serve the model but every one is at its in-flight cap: the cluster is
        /// overloaded, not broken (the API answers 429 with `Retry-After`, not 503).
        public static let saturated = Code("saturated")
        /// A backend's results do not fit the inputs sent to it.
        public static let mismatchedResults = Code("mismatched_results")

        public var description: String { name }
    }

    public let code: Code
    /// What went wrong, for a person.
    public let message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func modelNotServed(_ model: String) -> RoutingError {
        RoutingError(code: .modelNotServed, message: "No backend in the cluster serves the model '\(model)'.")
    }

    static func noHealthyBackend(_ model: String) -> RoutingError {
        RoutingError(
            code: .noHealthyBackend,
            message: "No healthy backend can take a request for '\(model)' now; retry shortly."
        )
    }

    static func saturated(_ model: String) -> RoutingError {
        RoutingError(
            code: .saturated,
            message: "Every backend serving '\(model)' is at its in-flight limit; retry shortly."
        )
    }
}
