/// A + B for operators of equal input and output shapes and types.
public final class SumOperator: LinearOperator {
    public let terms: [LinearOperator]
    /// One term's output, when there are several.
    private let part: Workspace?

    public init(_ terms: [LinearOperator]) throws {
        guard let first = terms.first else { throw InverseKitError(.invalidArgument, "Invalid sum: no operators") }
        for (i, t) in terms.enumerated() where t.inputShape != first.inputShape || t.outputShape != first.outputShape
            || t.inputType != first.inputType || t.outputType != first.outputType {
            throw InverseKitError(.shape, "Invalid sum: term \(i) (\(t)) does not match term 0 (\(first))")
        }
        self.terms = terms
        part = terms.count > 1 ? try Workspace(bytes: max(first.outputBytes, first.inputBytes)) : nil
        try super.init(inputShape: first.inputShape, outputShape: first.outputShape,
                       inputType: first.inputType, outputType: first.outputType)
    }

    override public var canFailMidway: Bool { terms.contains { $0.canFailMidway } }

    override public var name: String { "sum" }

    /// |A + B| <= |A| + |B|: the terms' sums added.
    override public func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        rows.update(repeating: 0, count: outputCount)
        columns.update(repeating: 0, count: inputCount)
        for term in terms {
            guard let s = try term.absoluteSumBuffers() else { return false }
            for i in 0..<outputCount { rows[i] += s.rows.pointer[i] }
            for j in 0..<inputCount { columns[j] += s.columns.pointer[j] }
        }
        return true
    }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        try accumulate(x, y, outputCount * outputType.components) { try $0.apply($1, into: $2) }
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        try accumulate(y, x, inputCount * inputType.components) { try $0.applyAdjoint($1, into: $2) }
    }

    private func accumulate(_ a: UnsafeRawPointer, _ b: UnsafeMutableRawPointer, _ reals: Int,
                            _ op: (LinearOperator, UnsafeRawPointer, UnsafeMutableRawPointer) throws -> Void) throws {
        guard let part else { return try op(terms[0], a, b) }
        try part.with { part in
            try op(terms[0], a, b)
            for t in terms.dropFirst() {
                try op(t, a, part)
                RealView.axpy(1, UnsafeRawPointer(part), b, reals: reals, precision: precision)
            }
        }
    }
}
