import Gateway

/// A node's answer to an admin request: the status and what its body says.
///
/// Success bodies are `{"state":"draining","in_flight":N}`; errors use the OpenAI shape
/// `{"error":{"message",…}}`. A body that is neither leaves the fields nil rather than failing, so
/// the status alone can still be acted on.
struct AdminReply: Hashable, Sendable {
    var status: Int
    /// `state` of a success body: `draining`, `ready` or `restarting`.
    var state: String?
    /// `in_flight` of a success body: `/v1/embeddings` requests the node is still working on.
    var inFlight: Int?
    /// `error.message` of an error body.
    var errorMessage: String?

    init(status: Int, state: String? = nil, inFlight: Int? = nil, errorMessage: String? = nil) {
        self.status = status
        self.state = state
        self.inFlight = inFlight
        self.errorMessage = errorMessage
    }

    /// Reads the body of an answer with `status`.
    init(status: Int, body: [UInt8]) {
        self.init(status: status)
        guard let value = try? JSONParser.parse(body) else { return }
        if case .string(let state)? = value["state"] { self.state = state }
        if case .number(let number)? = value["in_flight"] { inFlight = number.integer }
        if case .string(let message)? = value["error"]?["message"] { errorMessage = message }
    }

    var isSuccess: Bool { (200..<300).contains(status) }
}
