import Testing

@testable import Node

@Suite struct ConfigurationLineIndexTests {
    @Test func findsHeadersKeysAndDottedPaths() {
        let index = ConfigurationLineIndex(
            text: """
                top = 1
                [a]
                b = 2
                  c.d = 3 # trailing comment
                [ "x y" . 'z' ]
                "q\\u0041" = 4
                [[list]]
                item = 5
                """)
        #expect(index.line(of: ["top"]) == 1)
        #expect(index.line(of: ["a"]) == 2)
        #expect(index.line(of: ["a", "b"]) == 3)
        #expect(index.line(of: ["a", "c"]) == 4)
        #expect(index.line(of: ["a", "c", "d"]) == 4)
        #expect(index.line(of: ["x y"]) == 5)
        #expect(index.line(of: ["x y", "z", "qA"]) == 6)
        #expect(index.line(of: ["list", "item"]) == 8)
        #expect(index.line(of: ["a", "b", "inside"]) == 3)
        #expect(index.line(of: ["nowhere"]) == nil)
    }

    @Test func valuesSpanningLinesHideTheirContents() {
        let index = ConfigurationLineIndex(
            text: """
                s = \"\"\"
                fake = 1
                [fake]
                still \\\"\"\" inside\"\"\"\"
                t = '''
                [fake2]'''
                array = [
                  "]", # ] [fake3]
                  { inline = "}" },
                ]
                real = 'x = 1'
                """)
        #expect(index.line(of: ["fake"]) == nil)
        #expect(index.line(of: ["fake2"]) == nil)
        #expect(index.line(of: ["fake3"]) == nil)
        #expect(index.line(of: ["inline"]) == nil)
        #expect(index.line(of: ["t"]) == 5)
        #expect(index.line(of: ["array"]) == 7)
        #expect(index.line(of: ["real"]) == 11)
    }

    @Test func survivesBrokenInput() {
        for text in ["[", "a = \"unterminated", "a = '''", "= 1", "[a\nb = [", "\"k", "a = \"\\", "x\\"] {
            let index = ConfigurationLineIndex(text: text)
            _ = index.line(of: ["a"])
        }
        #expect(ConfigurationLineIndex(text: "[a\nb = 1").line(of: ["a", "b"]) == 2)
    }
}
