@testable import Gateway

/// What the JSON request decoder must do with any body at all: parsing never traps and a parse
/// error points inside the body; a body that is a valid request re-encodes (`encoded()`) to JSON
/// that decodes to the same request and re-encodes to the very same bytes.
///
/// One place for the property: the corpus replay test and the libFuzzer target `FuzzJSON`.
enum EmbeddingsRequestProperty {
    /// The first broken rule for `body`, or nil.
    static func violation(_ body: [UInt8]) -> String? {
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch {
            guard (0...body.count).contains(error.offset) else {
                return "parse error \(error) points outside a \(body.count)-byte body"
            }
            return nil
        }
        guard let request = try? EmbeddingsRequest.decode(document) else { return nil }
        let encoded = request.encoded()
        let again: EmbeddingsRequest
        do {
            again = try EmbeddingsRequest.decode(JSONParser.parse(encoded))
        } catch {
            return "request \(request) re-encodes to JSON that does not decode: \(error)"
        }
        guard again == request else { return "request \(request) decodes as \(again) after re-encoding" }
        guard again.encoded() == encoded else { return "request \(request) has two different encodings" }
        return nil
    }
}
