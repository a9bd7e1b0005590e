import FuzzDriver

/// libFuzzer target: every input must satisfy `PacketSealerProperty`.
@main enum FuzzSealed {
    static func main() {
        FuzzDriver.run { data, size in
            FuzzDriver.require(PacketSealerProperty.violation(FuzzDriver.bytes(data, size)))
            return 0
        }
    }
}
