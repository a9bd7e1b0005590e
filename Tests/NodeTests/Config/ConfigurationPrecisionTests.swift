import Model
import Testing

@testable import Node

@Suite struct ConfigurationPrecisionTests {
    @Test func defaultsToAuto() throws {
        #expect(try loadConfiguration(nil).node.precision == .auto)
        #expect(try loadConfiguration("[node]\nthreads = 2\n").node.precision == .auto)
    }

    @Test func readsEveryAllowedValueFromFileAndEnvironment() throws {
        for precision in EncoderPrecision.allCases {
            let fromFile = try loadConfiguration("[node]\nprecision = \"\(precision.rawValue)\"\n")
            #expect(fromFile.node.precision == precision)
            let fromEnvironment = try loadConfiguration(nil, environment: ["MURMUR_NODE_PRECISION": precision.rawValue])
            #expect(fromEnvironment.node.precision == precision)
        }
    }

    @Test func environmentOverridesTheFile() throws {
        let configuration = try loadConfiguration(
            "[node]\nprecision = \"bf16\"\n", environment: ["MURMUR_NODE_PRECISION": "fp32"])
        #expect(configuration.node.precision == .fp32)
    }

    @Test func badValuesNameFileLineAndTheAllowedValues() {
        #expect(
            configurationError("[node]\n\nprecision = \"fp16\"\n")
                == "cluster.conf:3: node.precision: must be one of \"auto\", \"fp32\", \"bf16\", got \"fp16\"")
        #expect(
            configurationError("[node]\nprecision = 16\n")
                == "cluster.conf:2: node.precision: must be a string, not an integer")
        #expect(
            configurationError(nil, environment: ["MURMUR_NODE_PRECISION": "BF16"])
                == "MURMUR_NODE_PRECISION: node.precision: must be one of \"auto\", \"fp32\", \"bf16\", got \"BF16\"")
    }
}
