import FuzzDriver

/// libFuzzer target: every input must satisfy `EmbeddingsRequestProperty`.
@main enum FuzzJSON {
    static func main() {
        FuzzDriver.run { data, size in
            FuzzDriver.require(EmbeddingsRequestProperty.violation(FuzzDriver.bytes(data, size)))
            return 0
        }
    }
}
