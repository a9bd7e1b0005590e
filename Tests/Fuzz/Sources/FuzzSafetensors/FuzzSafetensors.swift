import FuzzDriver

/// libFuzzer target: every input must satisfy `SafetensorsHeaderProperty`.
@main enum FuzzSafetensors {
    static func main() {
        FuzzDriver.run { data, size in
            FuzzDriver.require(SafetensorsHeaderProperty.violation(FuzzDriver.bytes(data, size)))
            return 0
        }
    }
}
