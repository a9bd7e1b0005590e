import Foundation
import Testing

@testable import Gateway

@Suite struct APIErrorTests {
    @Test func bodyIsOpenAIShapedJSON() throws {
        let error = APIError.modelNotFound("gpt-\"9\"\n")
        let object = try JSONSerialization.jsonObject(with: Data(error.body)) as? [String: Any]
        let inner = try #require(object?["error"] as? [String: Any])
        #expect(
            inner["message"] as? String == "The model 'gpt-\"9\"\n' does not exist or is not served by this cluster.")
        #expect(inner["type"] as? String == "invalid_request_error")
        #expect(inner["param"] as? String == "model")
        #expect(inner["code"] as? String == "model_not_found")
        #expect(error.status == 404)
    }

    @Test func nullParamAndControlCharactersAreEscaped() throws {
        let error = APIError.badRequest("bad \u{01} byte\t", param: nil, code: nil)
        let text = String(decoding: error.body, as: UTF8.self)
        #expect(text.contains(#""param":null"#))
        #expect(text.contains(#""code":null"#))
        #expect(text.contains(#"bad \u0001 byte\t"#))
        let object = try JSONSerialization.jsonObject(with: Data(error.body)) as? [String: Any]
        #expect((object?["error"] as? [String: Any])?["message"] as? String == "bad \u{01} byte\t")
    }

    @Test func overloadCarriesRetryAfter() {
        let error = APIError.overloaded(retryAfterSeconds: 2)
        #expect(error.status == 429)
        #expect(error.retryAfterSeconds == 2)
        #expect(APIError.unavailable("no healthy backend").status == 503)
    }
}
