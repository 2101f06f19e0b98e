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
