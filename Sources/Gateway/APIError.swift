/// An error answered to an HTTP client in OpenAI's shape:
/// `{"error":{"message":…,"type":…,"param":…,"code":…}}` with the matching status.
public struct APIError: Error, Hashable, Sendable {
    /// The HTTP status code.
    public var status: Int
    /// OpenAI's error `type`, e.g. `invalid_request_error`.
    public var type: String
    /// A short machine-readable code, e.g. `model_not_found`.
    public var code: String?
    /// The request parameter at fault, if any.
    public var param: String?
    /// What went wrong and what to do about it.
    public var message: String
    /// Seconds a client should wait before retrying (sent as `Retry-After` with 429 and 503).
    public var retryAfterSeconds: Int?

    public init(
        status: Int,
        type: String,
        code: String? = nil,
        param: String? = nil,
        message: String,
        retryAfterSeconds: Int? = nil
    ) {
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The JSON body, UTF-8 encoded.
    public var body: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + message.utf8.count)
        out.append(contentsOf: #"{"error":{"message":"#.utf8)
        JSONString.append(message, to: &out)
        out.append(contentsOf: #","type":"#.utf8)
        JSONString.append(type, to: &out)
        out.append(contentsOf: #","param":"#.utf8)
        JSONString.appendOptional(param, to: &out)
        out.append(contentsOf: #","code":"#.utf8)
        JSONString.appendOptional(code, to: &out)
        out.append(contentsOf: "}}".utf8)
        return out
    }
}

extension APIError {
    /// 400: the request body or a parameter is malformed.
    public static func badRequest(_ message: String, param: String? = nil, code: String? = "invalid_request")
        -> APIError
    {
        APIError(status: 400, type: "invalid_request_error", code: code, param: param, message: message)
    }

    /// 401: the request carries no usable credentials (sent with `WWW-Authenticate: Bearer`).
    public static func unauthorized(_ message: String) -> APIError {
        APIError(status: 401, type: "authentication_error", code: "invalid_authorization", message: message)
    }

    /// 403: the credentials are valid in form but do not grant this, or the action is disabled.
    public static func forbidden(_ message: String, code: String = "forbidden") -> APIError {
        APIError(status: 403, type: "permission_error", code: code, message: message)
    }

    /// 409: the request conflicts with what the server is doing (e.g. resuming a node that is restarting).
    public static func conflict(_ message: String) -> APIError {
        APIError(status: 409, type: "invalid_request_error", code: "conflict", message: message)
    }

    /// 404: no such route.
    public static func notFound(path: String) -> APIError {
        APIError(status: 404, type: "invalid_request_error", code: "not_found", message: "No route for \(path).")
    }

    /// 404: the model is not served here.
    public static func modelNotFound(_ model: String) -> APIError {
        APIError(
            status: 404,
            type: "invalid_request_error",
            code: "model_not_found",
            param: "model",
            message: "The model '\(model)' does not exist or is not served by this cluster."
        )
    }

    /// 405: the route exists but not with this method.
    public static func methodNotAllowed(_ method: String, path: String) -> APIError {
        APIError(
            status: 405,
            type: "invalid_request_error",
            code: "method_not_allowed",
            message: "Method \(method) is not allowed on \(path)."
        )
    }

    /// 413: the body or the number of inputs is over the configured limit.
    public static func tooLarge(_ message: String, param: String? = nil) -> APIError {
        APIError(status: 413, type: "invalid_request_error", code: "request_too_large", param: param, message: message)
    }

    /// 415: the body is not JSON.
    public static func unsupportedMediaType(_ contentType: String) -> APIError {
        APIError(
            status: 415,
            type: "invalid_request_error",
            code: "unsupported_media_type",
            message: "Content-Type '\(contentType)' is not supported; send application/json."
        )
    }

    /// 429: too much work queued; retry after the given delay.
    public static func overloaded(retryAfterSeconds: Int = 1) -> APIError {
        APIError(
            status: 429,
            type: "rate_limit_error",
            code: "overloaded",
            message: "The server is overloaded; retry after \(retryAfterSeconds) s.",
            retryAfterSeconds: retryAfterSeconds
        )
    }

    /// 503: nothing can serve the request right now.
    public static func unavailable(_ message: String, retryAfterSeconds: Int = 1) -> APIError {
        APIError(
            status: 503,
            type: "server_error",
            code: "unavailable",
            message: message,
            retryAfterSeconds: retryAfterSeconds
        )
    }
}
