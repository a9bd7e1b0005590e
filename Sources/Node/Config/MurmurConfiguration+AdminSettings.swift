extension MurmurConfiguration {
    /// `[admin]`. The description hides the token so a logged configuration leaks nothing.
    struct AdminSettings: Hashable, Sendable, CustomStringConvertible, CustomReflectable {
        /// The bearer token the admin endpoints require; nil: admin endpoints are disabled (unless
        /// `murmur up` generates a token and hands it to its children).
        var token: String?

        var description: String { "AdminSettings(token: \(token == nil ? "none" : "set"))" }

        var customMirror: Mirror { Mirror(self, children: ["tokenIsSet": token != nil]) }
    }
}
