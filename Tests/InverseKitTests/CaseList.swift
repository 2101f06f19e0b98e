import Foundation
import InverseKit

/// One line of a shared case list in Tests/cases/ (the files the C and Python suites read too):
/// kind dtype shape [key=value ...], "#" starting a comment.
struct CaseLine {
    let kind: String
    let type: ScalarType
    let shape: [Int]
    let parameters: [String: String]
    let line: Int

    static func load(_ name: String) throws -> [CaseLine] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("cases/\(name).txt")
        let text = try String(contentsOf: path, encoding: .utf8)
        let types: [String: ScalarType] = ["float32": .float32, "float64": .float64, "complex64": .complex64,
                                           "complex128": .complex128]
        var cases: [CaseLine] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard fields.count >= 3 else { continue }
            guard let type = types[fields[1]] else { throw CaseError("\(name) line \(number + 1): dtype \(fields[1])") }
            var parameters: [String: String] = [:]
            for field in fields.dropFirst(3) {
                let pair = field.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2 else { throw CaseError("\(name) line \(number + 1): \(field)") }
                parameters[pair[0]] = pair[1]
            }
            cases.append(CaseLine(kind: fields[0], type: type, shape: extents(fields[2]), parameters: parameters,
                                  line: number + 1))
        }
        return cases
    }

    /// "5x4" as [5, 4].
    static func extents(_ text: String) -> [Int] { text.split(separator: "x").compactMap { Int($0) } }

    /// A numeric parameter; "inf" and "-inf" are the infinities.
    static func number(_ parameters: [String: String], _ key: String, _ context: String) throws -> Double {
        guard let text = parameters[key] else { throw CaseError("\(context): no \(key)") }
        if text == "inf" { return .infinity }
        if text == "-inf" { return -.infinity }
        guard let value = Double(text) else { throw CaseError("\(context): \(key)=\(text)") }
        return value
    }
}

struct CaseError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
