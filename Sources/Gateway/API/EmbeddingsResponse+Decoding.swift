public import NIOCore

extension EmbeddingsResponse {
    /// Reads an embeddings response body (float or base64 embeddings), e.g. a backend's answer that
    /// a gateway gathers. Rows are placed by their `index`; every index from 0 to count − 1 must
    /// appear once and every row must have the same width.
    ///
    /// - Throws: a 502 `APIError` (code `bad_gateway`) naming what in the body is not an
    ///   embeddings response, malformed JSON included.
    public static func decode(_ body: ByteBuffer) throws(APIError) -> EmbeddingsResponse {
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch {
            throw badResponse("not JSON: \(error)")
        }
        guard case .string(let model)? = document["model"] else { throw badResponse("no 'model' string") }
        guard case .array(let items)? = document["data"] else { throw badResponse("no 'data' array") }
        guard case .number(let tokens)? = document["usage"]?["prompt_tokens"], let promptTokens = tokens.integer
        else { throw badResponse("no 'usage.prompt_tokens' integer") }

        var rows = [[Float]?](repeating: nil, count: items.count)
        var dimension: Int?
        for item in items {
            guard case .number(let indexNumber)? = item["index"], let index = indexNumber.integer,
                rows.indices.contains(index), rows[index] == nil
            else { throw badResponse("an item's 'index' is missing, repeated or outside 0..<\(items.count)") }
            let row: [Float]
            switch item["embedding"] {
            case .array(let numbers)?:
                var floats: [Float] = []
                floats.reserveCapacity(numbers.count)
                for number in numbers {
                    guard case .number(let value) = number, let float = Float(value.literal) else {
                        throw badResponse("embedding \(index) holds something other than numbers")
                    }
                    floats.append(float)
                }
                row = floats
            case .string(let text)?:
                guard let floats = Base64.decodeLittleEndianFloats(text) else {
                    throw badResponse("embedding \(index) is not base64 of float32 values")
                }
                row = floats
            default:
                throw badResponse("embedding \(index) is neither an array nor a base64 string")
            }
            guard dimension == nil || dimension == row.count else {
                throw badResponse("embedding \(index) has \(row.count) values, others \(dimension ?? 0)")
            }
            dimension = row.count
            rows[index] = row
        }
        var vectors: [Float] = []
        vectors.reserveCapacity(items.count * (dimension ?? 0))
        for row in rows {
            if let row { vectors.append(contentsOf: row) }
        }
        return EmbeddingsResponse(model: model, vectors: vectors, dimension: dimension ?? 0, promptTokens: promptTokens)
    }

    /// The `usage.prompt_tokens` of an embeddings response body without parsing the rest: the
    /// last `"prompt_tokens":` in the body followed by digits (the usage object comes after the
    /// embeddings, so the search from the end reads a few dozen bytes). Nil when there is none.
    /// For counting only: a body is not validated by it.
    public static func promptTokens(in body: ByteBuffer) -> Int? {
        let key = Array(#""prompt_tokens":"#.utf8)
        return body.withUnsafeReadableBytes { bytes -> Int? in
            guard bytes.count >= key.count else { return nil }
            var start = bytes.count - key.count
            while start >= 0 {
                if bytes[start] == key[0], key.indices.allSatisfy({ bytes[start + $0] == key[$0] }) {
                    var position = start + key.count
                    while position < bytes.count, bytes[position] == UInt8(ascii: " ") { position += 1 }
                    var value = 0
                    var digits = 0
                    while position < bytes.count, digits < 18,
                        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position])
                    {
                        value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                        digits += 1
                        position += 1
                    }
                    return digits > 0 ? value : nil
                }
                start -= 1
            }
            return nil
        }
    }

    private static func badResponse(_ what: String) -> APIError {
        APIError(
            status: 502, type: "server_error", code: "bad_gateway",
            message: "A backend answered with an invalid embeddings response: \(what).")
    }
}
