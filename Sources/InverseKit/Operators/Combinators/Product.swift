/// A B: apply B, then A. B's output must match A's input in shape and type.
public final class ProductOperator: LinearOperator {
    public let outer: LinearOperator
    public let inner: LinearOperator
    /// The intermediate B x (or A^H y).
    private let middle: Workspace

    public init(_ outer: LinearOperator, _ inner: LinearOperator) throws {
        guard inner.outputShape == outer.inputShape, inner.outputType == outer.inputType else {
            throw InverseKitError(.shape,
                                  "Invalid product: the inner operator's output (\(inner.outputShape) \(inner.outputType)) does not match the outer operator's input (\(outer.inputShape) \(outer.inputType))")
        }
        self.outer = outer
        self.inner = inner
        middle = try Workspace(bytes: inner.outputBytes)
        try super.init(inputShape: inner.inputShape, outputShape: outer.outputShape,
                       inputType: inner.inputType, outputType: outer.outputType)
    }

    override public var canFailMidway: Bool { [outer, inner].contains { $0.canFailMidway } }

    override public var name: String { "product" }

    /// |A B| <= |A| |B| entrywise: row i is at most rows_A[i] max rows_B, column j at most
    /// max columns_A * columns_B[j].
    override public func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        guard let a = try outer.absoluteSumBuffers(), let b = try inner.absoluteSumBuffers() else { return false }
        let rowsB = UnsafeBufferPointer(start: b.rows.pointer, count: inner.outputCount).max() ?? 0
        let columnsA = UnsafeBufferPointer(start: a.columns.pointer, count: outer.inputCount).max() ?? 0
        for i in 0..<outputCount { rows[i] = a.rows.pointer[i] * rowsB }
        for j in 0..<inputCount { columns[j] = columnsA * b.columns.pointer[j] }
        return true
    }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        try middle.with { middle in
            try inner.apply(x, into: middle)
            try outer.apply(middle, into: y)
        }
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        try middle.with { middle in
            try outer.applyAdjoint(y, into: middle)
            try inner.applyAdjoint(middle, into: x)
        }
    }
}
