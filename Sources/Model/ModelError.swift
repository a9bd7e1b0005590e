/// An error from loading or running a model, with a message a person can act on.
///
/// A struct wrapping a private code, in the manner of swift-nio's errors: new codes can be added
/// without breaking callers that switch on the public static members.
public struct ModelError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case fileNotFound
        case invalidFile
        case missingTensor
        case tensorMismatch
        case invalidInput
        case overloaded
        case cancelled
        case shutDown
    }

    private let code: Code

    /// What went wrong, naming the file, tensor or input concerned.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// A model file does not exist or cannot be read.
    public static func fileNotFound(_ message: String) -> ModelError { ModelError(.fileNotFound, message) }
    /// A model file exists but is truncated or malformed.
    public static func invalidFile(_ message: String) -> ModelError { ModelError(.invalidFile, message) }
    /// A tensor the model needs is not in the weights file.
    public static func missingTensor(_ message: String) -> ModelError { ModelError(.missingTensor, message) }
    /// A tensor has the wrong dtype or shape.
    public static func tensorMismatch(_ message: String) -> ModelError { ModelError(.tensorMismatch, message) }
    /// The input cannot be embedded (for example an empty token sequence).
    public static func invalidInput(_ message: String) -> ModelError { ModelError(.invalidInput, message) }
    /// The batcher's queue is full; the HTTP layer maps this to 429.
    public static func overloaded(_ message: String) -> ModelError { ModelError(.overloaded, message) }
    /// The caller went away before its work ran.
    public static func cancelled(_ message: String) -> ModelError { ModelError(.cancelled, message) }
    /// The batcher has been shut down.
    public static func shutDown(_ message: String) -> ModelError { ModelError(.shutDown, message) }

    /// True when the error means "too busy now, try again later".
    public var isOverloaded: Bool { code == .overloaded }
    /// True when the error is the caller's own cancellation.
    public var isCancelled: Bool { code == .cancelled }
    /// True when the batcher no longer accepts work.
    public var isShutDown: Bool { code == .shutDown }
    /// True when the model files are missing or malformed.
    public var isLoadFailure: Bool {
        switch code {
        case .fileNotFound, .invalidFile, .missingTensor, .tensorMismatch: true
        default: false
        }
    }
}
