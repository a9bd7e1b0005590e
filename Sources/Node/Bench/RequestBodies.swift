import Gateway
import NIOCore

/// Every request body of a run, encoded once before the first request so that sending costs no JSON
/// work: body `b` carries texts `b·k … b·k+k−1` (cyclically) for `k` inputs per request, and request
/// `i` sends body `i mod count`.
struct RequestBodies: Sendable {
    let buffers: [ByteBuffer]

    init(
        texts: [String], inputsPerRequest: Int, model: String, encodingFormat: EmbeddingsRequest.EncodingFormat
    ) {
        var buffers: [ByteBuffer] = []
        buffers.reserveCapacity(texts.count)
        for body in 0..<texts.count {
            let inputs = (0..<inputsPerRequest).map { texts[(body * inputsPerRequest + $0) % texts.count] }
            let request = EmbeddingsRequest(input: .texts(inputs), model: model, encodingFormat: encodingFormat)
            buffers.append(ByteBuffer(bytes: request.encoded()))
        }
        self.buffers = buffers
    }

    /// The body for request `ticket` (0-based).
    func body(forTicket ticket: Int) -> ByteBuffer { buffers[ticket % buffers.count] }
}
