extension EmbeddingsRequest {
    /// The JSON body of this request, e.g. to forward part of a client's inputs to a backend.
    /// `decode` reads it back to an equal request.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + model.utf8.count + estimatedInputBytes)
        out.append(contentsOf: #"{"input":"#.utf8)
        switch input {
        case .texts(let texts):
            out.append(UInt8(ascii: "["))
            for (index, text) in texts.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONString.append(text, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .tokens(let rows):
            out.append(UInt8(ascii: "["))
            for (index, ids) in rows.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "["))
                for (position, id) in ids.enumerated() {
                    if position > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: String(id).utf8)
                }
                out.append(UInt8(ascii: "]"))
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: #","model":"#.utf8)
        JSONString.append(model, to: &out)
        out.append(contentsOf: #","encoding_format":"#.utf8)
        JSONString.append(encodingFormat.rawValue, to: &out)
        if let dimensions {
            out.append(contentsOf: #","dimensions":"#.utf8)
            out.append(contentsOf: String(dimensions).utf8)
        }
        if let user {
            out.append(contentsOf: #","user":"#.utf8)
            JSONString.append(user, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    private var estimatedInputBytes: Int {
        switch input {
        case .texts(let texts): texts.reduce(0) { $0 + $1.utf8.count + 3 }
        case .tokens(let rows): rows.reduce(0) { $0 + $1.count * 6 + 3 }
        }
    }
}
