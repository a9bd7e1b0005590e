import TOMLKit

extension ConfigurationLoader {
    /// Applies every key of a TOML document, in the order the keys appear in it.
    mutating func applyFile(_ text: String, path: String) throws(ConfigurationError) {
        // TOMLKit hands the text to C as a C string, which would silently end at a NUL.
        if let nul = text.utf8.firstIndex(of: 0) {
            let line = text.utf8[..<nul].count(where: { $0 == UInt8(ascii: "\n") }) + 1
            throw ConfigurationError("\(path):\(line): contains a NUL byte; a configuration file is text")
        }
        let index = ConfigurationLineIndex(text: text)
        if let line = index.firstHeaderWithoutKey {
            throw ConfigurationError("\(path):\(line): a table header must name a section, like [gossip]")
        }
        if let line = index.firstBraceForArrayValue {
            throw ConfigurationError("\(path):\(line): expected a value or ']' in an array, saw '}'")
        }
        if let line = index.firstTime {
            throw ConfigurationError(
                "\(path):\(line): times are not configuration values (quote text that holds ':')")
        }
        if let line = index.firstMalformedValue {
            throw ConfigurationError(
                "\(path):\(line): a value must be a quoted string, a number, true or false, or an array of them")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError("\(path):\(error.source.begin.line): \(error.description)")
        } catch {
            throw ConfigurationError("\(path): \(error)")
        }
        func line(_ keyPath: [String]) -> Int { index.line(of: keyPath) ?? 1 }

        for sectionName in Self.inDocumentOrder(table.keys, line: { line([$0]) }) {
            guard let value = table[sectionName] else { continue }
            let location = "\(path):\(line([sectionName]))"
            guard ConfigurationKey.sections.contains(sectionName) else {
                throw ConfigurationError(
                    "\(location): \(Self.unknownSection(sectionName, isTable: value.type == .table))")
            }
            guard let section = value.table else {
                let got = Self.input(from: value).typeDescription
                throw ConfigurationError("\(location): \(sectionName) must be a section ([\(sectionName)]), not \(got)")
            }
            for keyName in Self.inDocumentOrder(section.keys, line: { line([sectionName, $0]) }) {
                guard let keyValue = section[keyName] else { continue }
                let keyLine = line([sectionName, keyName])
                guard let key = ConfigurationKey.byPath["\(sectionName).\(keyName)"] else {
                    throw ConfigurationError("\(path):\(keyLine): \(Self.unknownKey(keyName, in: sectionName))")
                }
                try apply(Self.input(from: keyValue), to: key, from: .file(path: path, line: keyLine))
            }
        }
    }

    private static func inDocumentOrder(_ names: [String], line: (String) -> Int) -> [String] {
        names.map { (name: $0, line: line($0)) }
            .sorted { ($0.line, $0.name) < ($1.line, $1.name) }
            .map(\.name)
    }

    private static func unknownSection(_ name: String, isTable: Bool) -> String {
        let homes = ConfigurationKey.all.filter { $0.name == name }.map { "[\($0.section)]" }
        if !isTable && !homes.isEmpty {
            return "\(name) is outside any section; put it under \(homes.joined(separator: " or "))"
        }
        let known = ConfigurationKey.sections.map { "[\($0)]" }.joined(separator: ", ")
        let suggestion = name.closestMatch(among: ConfigurationKey.sections).map { "; did you mean [\($0)]?" } ?? ""
        return "unknown section [\(name)] (sections are \(known))\(suggestion)"
    }

    private static func unknownKey(_ name: String, in section: String) -> String {
        if let suggestion = name.closestMatch(among: ConfigurationKey.names(in: section)) {
            return "unknown key \(name) in [\(section)]; did you mean \(suggestion)?"
        }
        let homes = ConfigurationKey.all.filter { $0.name == name }.map { "[\($0.section)]" }
        if !homes.isEmpty {
            return "unknown key \(name) in [\(section)]; it belongs in \(homes.joined(separator: " or "))"
        }
        return "unknown key \(name) in [\(section)]"
    }

    /// TOMLKit's value as the readers see it.
    private static func input(from value: any TOMLValueConvertible) -> ConfigurationInput {
        switch value.type {
        case .string:
            if let string = value.string { return .string(string) }
        case .int:
            if let integer = value.int { return .integer(integer) }
        case .double:
            if let double = value.double { return .float(double) }
        case .array:
            if let array = value.array { return .list(array.map { input(from: $0) }) }
        case .bool:
            return .unsupported("boolean")
        case .table, .date, .time, .dateTime:
            break
        }
        return .unsupported(value.type.description)
    }
}
