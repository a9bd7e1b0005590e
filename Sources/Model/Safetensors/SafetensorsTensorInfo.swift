/// One tensor's entry in a safetensors header, already checked against the file.
public struct SafetensorsTensorInfo: Sendable, Hashable {
    /// The tensor's name, e.g. `encoder.layer.0.attention.self.query.weight`.
    public let name: String
    public let dtype: SafetensorsDType
    /// Dimensions, outermost first; empty for a scalar.
    public let shape: [Int]
    /// Byte range relative to the start of the data section (just after the header).
    ///
    /// Invariant: `byteRange.count == shape.product × dtype.byteCount` and the range lies inside
    /// the data section; `SafetensorsFile` rejects the file otherwise.
    public let byteRange: Range<Int>

    /// The number of elements (the product of `shape`; 1 for a scalar).
    public var elementCount: Int { byteRange.count / dtype.byteCount }

    public init(name: String, dtype: SafetensorsDType, shape: [Int], byteRange: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.byteRange = byteRange
    }
}
