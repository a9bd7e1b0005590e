public import Cluster
public import Model
import NIOCore
public import NIOHTTP1

extension APIError {
    /// This error as a complete response: the OpenAI-shaped JSON body, its status, and
    /// `Retry-After` when the error carries a delay.
    public var response: HTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        if let retryAfterSeconds { headers.add(name: "Retry-After", value: String(retryAfterSeconds)) }
        return HTTPResponse(
            status: HTTPResponseStatus(statusCode: status), headers: headers, body: ByteBuffer(bytes: body))
    }

    /// 400: the body is not well-formed JSON (or not UTF-8); the message gives the byte offset.
    public static func invalidJSON(_ error: JSONParseError) -> APIError {
        APIError(
            status: 400,
            type: "invalid_request_error",
            code: "invalid_json",
            message: "We could not parse the JSON body of your request: \(error.reason) at byte \(error.offset).")
    }

    /// 405 with the methods the path does accept (sent as `Allow`).
    public static func methodNotAllowed(_ method: HTTPMethod, path: Substring, allowed: [HTTPMethod]) -> APIError {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(
            status: 405,
            type: "invalid_request_error",
            code: "method_not_allowed",
            message: "Method \(method.rawValue) is not allowed on \(path); use \(list).")
    }

    /// 503 while a node is starting or draining; a gateway may retry the request elsewhere, since
    /// nothing was processed.
    public static func notReady(_ state: MemberMetadata.ServingState) -> APIError {
        APIError(
            status: 503,
            type: "server_error",
            code: state.rawValue,
            message: "This node is \(state.rawValue) and not ready to serve.",
            retryAfterSeconds: 1)
    }

    /// The API's answer to a model error: 429 (with `Retry-After`) when the batcher's queue is
    /// full, 503 when the batcher has shut down (the request was not processed, so a gateway may
    /// retry it elsewhere), 400 for input the model refuses, 499 when the client went away, and
    /// 500 for anything else.
    public static func from(_ error: ModelError) -> APIError {
        if error.isOverloaded { return .overloaded(retryAfterSeconds: 1) }
        // `ModelError` has no `isInvalidInput`; being `Hashable` over (code, message), it equals the
        // invalid-input error rebuilt from its own message exactly when its code is invalid input.
        if error.isShutDown {
            return APIError(
                status: 503,
                type: "server_error",
                code: "shutting_down",
                message: "The model is shutting down on this node; retry the request: \(error.message)",
                retryAfterSeconds: 1)
        }
        if error.isCancelled {
            // nginx's "client closed request": nobody reads this answer, but metrics count it apart.
            return APIError(
                status: 499, type: "invalid_request_error", code: "cancelled",
                message: "The request was cancelled: \(error.message)")
        }
        if error == .invalidInput(error.message) {
            return .badRequest("The input cannot be embedded: \(error.message)", param: "input")
        }
        return APIError(
            status: 500, type: "server_error", code: "model_error", message: "The model failed: \(error.message)")
    }
}
