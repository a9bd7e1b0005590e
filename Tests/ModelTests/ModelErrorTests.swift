import Testing

@testable import Model

@Suite struct ModelErrorTests {
    @Test func kindsAreDistinguishable() {
        #expect(ModelError.overloaded("queue full").isOverloaded)
        #expect(!ModelError.overloaded("queue full").isCancelled)
        #expect(ModelError.missingTensor("model.safetensors: no tensor 'x'").isLoadFailure)
        #expect(!ModelError.invalidInput("empty").isLoadFailure)
        #expect(ModelError.invalidFile("a") != ModelError.fileNotFound("a"))
        #expect(ModelError.cancelled("gone").description == "gone")
    }
}
