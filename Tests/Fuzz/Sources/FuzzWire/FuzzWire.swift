import FuzzDriver

/// libFuzzer target: every input must satisfy `WireCodecProperty`.
@main enum FuzzWire {
    static func main() {
        FuzzDriver.run { data, size in
            FuzzDriver.require(WireCodecProperty.violation(FuzzDriver.bytes(data, size)))
            return 0
        }
    }
}
