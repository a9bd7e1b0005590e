/// Who may call a node's admin endpoints: whoever presents `Authorization: Bearer <token>` with the
/// configured token. A pure value: the HTTP layer maps its decision to 401, 403 or on to the action.
///
/// The token comparison takes the same time whatever the presented token is (it walks the longer of
/// the two byte strings and never exits early), so response timing tells a caller neither how many
/// leading bytes were right nor how long the configured token is.
public struct AdminAuthorization: Sendable, Hashable {
    /// The outcome of checking one request's credentials.
    public enum Decision: Sendable, Hashable {
        /// The token matches: carry out the action.
        case allowed
        /// No `Authorization` header, more than one, or not a well-formed `Bearer` credential (401).
        case missingCredentials
        /// A well-formed bearer token that is not the configured one (403).
        case wrongToken
        /// The node has no admin token, so nobody may use the admin endpoints (403).
        case disabled
    }

    private let token: [UInt8]?

    /// - Parameter token: the configured admin token; nil or empty disables the admin endpoints.
    public init(token: String?) {
        if let token, !token.isEmpty {
            self.token = Array(token.utf8)
        } else {
            self.token = nil
        }
    }

    /// Whether admin endpoints can be used at all (a token is configured).
    public var isEnabled: Bool { token != nil }

    /// Checks the values of every `Authorization` header of a request.
    public func decide(authorizationHeaders values: [String]) -> Decision {
        guard let token else { return .disabled }
        guard values.count == 1, let presented = Self.bearerToken(in: values[0]) else { return .missingCredentials }
        return Self.constantTimeEquals(token, Array(presented.utf8)) ? .allowed : .wrongToken
    }

    /// The token of a `Bearer` credential (RFC 6750: the scheme is case-insensitive, one or more
    /// spaces follow it, and the token is one non-empty run of token68 characters), or nil when the
    /// value is anything else.
    static func bearerToken(in value: String) -> Substring? {
        let trimmed = value.drop(while: { $0 == " " || $0 == "\t" })
        let scheme = "bearer"
        guard trimmed.count > scheme.count, trimmed.prefix(scheme.count).lowercased() == scheme else { return nil }
        let afterScheme = trimmed.dropFirst(scheme.count)
        guard afterScheme.first == " " else { return nil }
        var credential = afterScheme.drop(while: { $0 == " " })
        while let last = credential.last, last == " " || last == "\t" { credential = credential.dropLast() }
        guard !credential.isEmpty, credential.unicodeScalars.allSatisfy(isToken68) else { return nil }
        return credential
    }

    /// RFC 7235 token68: letters, digits, `-._~+/` and trailing `=`; we accept `=` anywhere, which
    /// only widens what a configured token may contain.
    private static func isToken68(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", ".", "_", "~", "+", "/", "=": true
        default: false
        }
    }

    /// Compares two byte strings in time that depends only on the longer length: every position up
    /// to it is visited (the shorter string reads as zeros past its end) and the differences are
    /// OR-ed together, with the length difference folded in, and decided once at the end.
    static func constantTimeEquals(_ expected: [UInt8], _ presented: [UInt8]) -> Bool {
        let length = max(expected.count, presented.count)
        var difference: UInt = expected.count == presented.count ? 0 : 1
        for index in 0..<length {
            let left = index < expected.count ? expected[index] : 0
            let right = index < presented.count ? presented[index] : 0
            difference |= UInt(left ^ right)
        }
        return difference == 0
    }
}
