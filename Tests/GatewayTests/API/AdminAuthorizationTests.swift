import Testing

@testable import Gateway

/// The bearer-token check in front of the node admin endpoints: header parsing, the four
/// decisions, and a comparison that is exact for every length and content.
@Suite struct AdminAuthorizationTests {
    let authorization = AdminAuthorization(token: "s3cret-Token_1")

    @Test func theRightBearerTokenIsAllowed() {
        #expect(authorization.decide(authorizationHeaders: ["Bearer s3cret-Token_1"]) == .allowed)
        // The scheme is case-insensitive and surrounding spaces are tolerated.
        #expect(authorization.decide(authorizationHeaders: ["bearer s3cret-Token_1"]) == .allowed)
        #expect(authorization.decide(authorizationHeaders: ["  BEARER   s3cret-Token_1 "]) == .allowed)
    }

    @Test func missingOrMalformedCredentialsAreUnauthorized() {
        let malformed = [
            "", "Bearer", "Bearer ", "Bearers3cret-Token_1", "Basic czNjcmV0", "Token s3cret-Token_1",
            "Bearer s3cret Token_1", "Bearer s3cret-Token_1,extra", "Bearer\ts3cret-Token_1", "Bearer ä",
        ]
        #expect(authorization.decide(authorizationHeaders: []) == .missingCredentials)
        for value in malformed {
            #expect(authorization.decide(authorizationHeaders: [value]) == .missingCredentials, "\(value)")
        }
        // Two Authorization headers are ambiguous, even when one of them is right.
        #expect(
            authorization.decide(authorizationHeaders: ["Bearer s3cret-Token_1", "Bearer s3cret-Token_1"])
                == .missingCredentials)
    }

    @Test func aWellFormedWrongTokenIsForbidden() {
        for wrong in ["s3cret-Token_2", "s3cret-Token_", "s3cret-Token_1x", "S3cret-Token_1", "x", "s3cret-Token_1="] {
            #expect(authorization.decide(authorizationHeaders: ["Bearer \(wrong)"]) == .wrongToken, "\(wrong)")
        }
    }

    @Test func withoutAConfiguredTokenEverythingIsDisabled() {
        for disabled in [AdminAuthorization(token: nil), AdminAuthorization(token: "")] {
            #expect(!disabled.isEnabled)
            #expect(disabled.decide(authorizationHeaders: []) == .disabled)
            #expect(disabled.decide(authorizationHeaders: ["Bearer "]) == .disabled)
            #expect(disabled.decide(authorizationHeaders: ["Bearer anything"]) == .disabled)
        }
        #expect(authorization.isEnabled)
    }

    @Test func bearerTokenParsing() {
        #expect(AdminAuthorization.bearerToken(in: "Bearer abc") == "abc")
        #expect(AdminAuthorization.bearerToken(in: "Bearer a.b~c+d/e==") == "a.b~c+d/e==")
        #expect(AdminAuthorization.bearerToken(in: "Bearer  abc  ") == "abc")
        #expect(AdminAuthorization.bearerToken(in: "Bearer") == nil)
        #expect(AdminAuthorization.bearerToken(in: "Bearer a b") == nil)
        #expect(AdminAuthorization.bearerToken(in: "NotBearer abc") == nil)
    }

    @Test func constantTimeEqualityIsExactForEveryLengthAndPosition() {
        let token = Array("0123456789abcdef".utf8)
        #expect(AdminAuthorization.constantTimeEquals(token, token))
        #expect(AdminAuthorization.constantTimeEquals([], []))
        // A difference at any single position, in any bit, is caught.
        for position in token.indices {
            for bit in 0..<8 {
                var changed = token
                changed[position] ^= UInt8(1 << bit)
                #expect(!AdminAuthorization.constantTimeEquals(token, changed))
            }
        }
        // Every prefix and every extension differs, including ones padded with zero bytes, which
        // the comparison reads past the shorter end.
        for length in 0..<token.count {
            #expect(!AdminAuthorization.constantTimeEquals(token, Array(token.prefix(length))))
            #expect(!AdminAuthorization.constantTimeEquals(Array(token.prefix(length)), token))
        }
        #expect(!AdminAuthorization.constantTimeEquals(token, token + [0]))
        #expect(!AdminAuthorization.constantTimeEquals(token + [0, 0], token))
        #expect(!AdminAuthorization.constantTimeEquals([], [0]))
    }
}
