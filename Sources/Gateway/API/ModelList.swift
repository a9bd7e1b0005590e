/// The OpenAI `GET /v1/models` body:
/// `{"object":"list","data":[{"id":…,"object":"model","created":0,"owned_by":"murmur"}]}`.
public struct ModelList: Sendable, Hashable {
    /// Model names, in the order they are listed.
    public var names: [String]

    public init(names: [String]) {
        self.names = names
    }

    /// The JSON body.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32 + names.count * 80)
        out.append(contentsOf: #"{"object":"list","data":["#.utf8)
        for (index, name) in names.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"id":"#.utf8)
            JSONString.append(name, to: &out)
            out.append(contentsOf: #","object":"model","created":0,"owned_by":"murmur"}"#.utf8)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }
}
