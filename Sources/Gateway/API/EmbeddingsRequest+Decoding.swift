public import NIOCore

extension EmbeddingsRequest {
    /// Most inputs one request may carry unless configured otherwise (OpenAI's and TEI's limit).
    public static let defaultMaxInputs = 2048

    /// Decodes a request body, checking every rule of the API before any work is queued.
    ///
    /// - `input`: a non-empty string, a non-empty array of non-empty strings, a non-empty array of
    ///   token ids, or a non-empty array of non-empty arrays of token ids (each id in `Int32`).
    /// - `model`: a string. `encoding_format`: `"float"` (default) or `"base64"`. `dimensions`: a
    ///   positive integer. `user`: a string. `null` counts as absent for the optional fields;
    ///   members the API does not define are ignored, and a repeated member's last value wins.
    ///
    /// - Throws: 400 with `param` naming the field at fault (malformed JSON or invalid UTF-8 give
    ///   the byte offset), or 413 when there are more than `maxInputs` inputs.
    public static func decode(
        _ body: ByteBuffer, maxInputs: Int = defaultMaxInputs
    ) throws(APIError) -> EmbeddingsRequest {
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch {
            throw APIError.invalidJSON(error)
        }
        return try decode(document, maxInputs: maxInputs)
    }

    /// Decodes an already parsed request body; see `decode(_:maxInputs:)` for the rules.
    public static func decode(_ document: JSONValue, maxInputs: Int = defaultMaxInputs) throws(APIError)
        -> EmbeddingsRequest
    {
        guard case .object = document else {
            throw APIError.badRequest("The request body must be a JSON object, not \(document.kindName).")
        }

        let model: String
        switch document["model"] {
        case .string(let name): model = name
        case nil, .null?: throw APIError.badRequest("You must provide a model parameter.", param: "model")
        case let other?:
            throw APIError.badRequest("'model' must be a string, not \(other.kindName).", param: "model")
        }

        guard let inputValue = document["input"], inputValue != .null else {
            throw APIError.badRequest("You must provide an input parameter.", param: "input")
        }
        let input = try decodeInput(inputValue, maxInputs: maxInputs)

        var encodingFormat = EncodingFormat.float
        switch document["encoding_format"] {
        case nil, .null?: break
        case .string(let name)?:
            guard let format = EncodingFormat(rawValue: name) else {
                throw APIError.badRequest(
                    "'encoding_format' must be \"float\" or \"base64\", not \"\(name)\".", param: "encoding_format")
            }
            encodingFormat = format
        case let other?:
            throw APIError.badRequest(
                "'encoding_format' must be a string, not \(other.kindName).", param: "encoding_format")
        }

        var dimensions: Int?
        switch document["dimensions"] {
        case nil, .null?: break
        case .number(let number)?:
            guard let value = number.integer, value > 0 else {
                throw APIError.badRequest(
                    "'dimensions' must be a positive integer, not \(number.literal).", param: "dimensions")
            }
            dimensions = value
        case let other?:
            throw APIError.badRequest("'dimensions' must be an integer, not \(other.kindName).", param: "dimensions")
        }

        var user: String?
        switch document["user"] {
        case nil, .null?: break
        case .string(let name)?: user = name
        case let other?:
            throw APIError.badRequest("'user' must be a string, not \(other.kindName).", param: "user")
        }

        return EmbeddingsRequest(
            input: input, model: model, encodingFormat: encodingFormat, dimensions: dimensions, user: user)
    }

    private static func decodeInput(_ value: JSONValue, maxInputs: Int) throws(APIError) -> Input {
        switch value {
        case .string(let text):
            guard !text.isEmpty else {
                throw APIError.badRequest("'input' must not be an empty string.", param: "input")
            }
            return .texts([text])
        case .array(let elements):
            guard let first = elements.first else {
                throw APIError.badRequest("'input' must not be an empty array.", param: "input")
            }
            switch first {
            case .string:
                guard elements.count <= maxInputs else { throw tooManyInputs(elements.count, maxInputs: maxInputs) }
                var texts: [String] = []
                texts.reserveCapacity(elements.count)
                for (index, element) in elements.enumerated() {
                    guard case .string(let text) = element else {
                        throw APIError.badRequest(
                            "'input[\(index)]' must be a string like the other inputs, not \(element.kindName).",
                            param: "input")
                    }
                    guard !text.isEmpty else {
                        throw APIError.badRequest("'input[\(index)]' must not be an empty string.", param: "input")
                    }
                    texts.append(text)
                }
                return .texts(texts)
            case .number:
                return .tokens([try decodeTokens(elements, path: "input")])
            case .array:
                guard elements.count <= maxInputs else { throw tooManyInputs(elements.count, maxInputs: maxInputs) }
                var rows: [[Int32]] = []
                rows.reserveCapacity(elements.count)
                for (index, element) in elements.enumerated() {
                    guard case .array(let ids) = element else {
                        throw APIError.badRequest(
                            "'input[\(index)]' must be an array of token ids like the other inputs, not "
                                + "\(element.kindName).", param: "input")
                    }
                    rows.append(try decodeTokens(ids, path: "input[\(index)]"))
                }
                return .tokens(rows)
            default:
                throw APIError.badRequest(
                    "'input' must be a string, an array of strings or an array of token ids; its first element is "
                        + "\(first.kindName).", param: "input")
            }
        default:
            throw APIError.badRequest(
                "'input' must be a string or an array of strings, not \(value.kindName).", param: "input")
        }
    }

    private static func decodeTokens(_ elements: [JSONValue], path: String) throws(APIError) -> [Int32] {
        guard !elements.isEmpty else {
            throw APIError.badRequest("'\(path)' must not be an empty array of token ids.", param: "input")
        }
        var ids: [Int32] = []
        ids.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard case .number(let number) = element else {
                throw APIError.badRequest(
                    "'\(path)[\(index)]' must be a token id (an integer), not \(element.kindName).", param: "input")
            }
            guard let value = number.integer, let id = Int32(exactly: value), id >= 0 else {
                throw APIError.badRequest(
                    "'\(path)[\(index)]' must be a non-negative integer token id, not \(number.literal).",
                    param: "input")
            }
            ids.append(id)
        }
        return ids
    }

    private static func tooManyInputs(_ count: Int, maxInputs: Int) -> APIError {
        APIError.tooLarge(
            "The request has \(count) inputs; at most \(maxInputs) are allowed per request. Split it into smaller "
                + "requests.", param: "input")
    }
}
