/// A^H as an operator of its own.
public final class AdjointOperator: LinearOperator {
    public let base: LinearOperator

    public init(_ base: LinearOperator) throws {
        self.base = base
        try super.init(inputShape: base.outputShape, outputShape: base.inputShape, inputType: base.outputType,
                       outputType: base.inputType)
    }

    override public var canFailMidway: Bool { base.canFailMidway }

    override public var name: String { "adjoint of \(base.name)" }

    override public func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        try base.absoluteSums(rows: columns, columns: rows)
    }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        try base.applyAdjoint(x, into: y)
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        try base.apply(y, into: x)
    }
}

/// A^H A, the normal operator (self-adjoint), from A's input space to itself.
public final class NormalOperator: LinearOperator {
    public let base: LinearOperator

    public init(_ base: LinearOperator) throws {
        self.base = base
        middle = try Workspace(bytes: base.outputBytes)
        try super.init(inputShape: base.inputShape, outputShape: base.inputShape, inputType: base.inputType,
                       outputType: base.inputType)
    }

    override public var canFailMidway: Bool { base.canFailMidway }

    /// The intermediate A x.
    private let middle: Workspace

    override public var name: String { "normal of \(base.name)" }

    /// |A^H A| <= |A^H| |A| entrywise: row i is at most (column sum i of |A|) * (largest row sum of |A|).
    override public func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        guard let sums = try base.absoluteSumBuffers() else { return false }
        let largest = UnsafeBufferPointer(start: sums.rows.pointer, count: base.outputCount).max() ?? 0
        for j in 0..<inputCount { rows[j] = sums.columns.pointer[j] * largest }
        columns.update(from: rows, count: inputCount)
        return true
    }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        try middle.with { middle in
            try base.apply(x, into: middle)
            try base.applyAdjoint(middle, into: y)
        }
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        try forward(y, into: x)
    }
}
