/// diag(A_1, ..., A_k): each block acts on its own part of the input. When every block has the same
/// shapes this is a batch: input (k, in...), output (k, out...); otherwise inputs and outputs are
/// the flattened concatenations.
public final class BlockDiagonalOperator: LinearOperator {
    public let blocks: [LinearOperator]

    public init(_ blocks: [LinearOperator]) throws {
        guard let first = blocks.first else {
            throw InverseKitError(.invalidArgument, "Invalid block diagonal: no operators")
        }
        for (i, b) in blocks.enumerated() where b.inputType != first.inputType || b.outputType != first.outputType {
            throw InverseKitError(.unsupportedType, "Invalid block diagonal: block \(i) (\(b)) has other element types than block 0 (\(first))")
        }
        let uniform = blocks.allSatisfy { $0.inputShape == first.inputShape && $0.outputShape == first.outputShape }
        let inShape = uniform ? [blocks.count] + first.inputShape : [blocks.reduce(0) { $0 + $1.inputCount }]
        let outShape = uniform ? [blocks.count] + first.outputShape : [blocks.reduce(0) { $0 + $1.outputCount }]
        self.blocks = blocks
        try super.init(inputShape: inShape, outputShape: outShape, inputType: first.inputType, outputType: first.outputType)
    }

    /// The batch operator: `count` copies of `block`.
    public convenience init(repeating block: LinearOperator, count: Int) throws {
        guard count >= 1 else { throw InverseKitError(.invalidArgument, "Invalid batch count: \(count)") }
        try self.init([LinearOperator](repeating: block, count: count))
    }

    override public var canFailMidway: Bool { blocks.contains { $0.canFailMidway } }

    override public var name: String { "block diagonal" }

    override public func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        var inOffset = 0, outOffset = 0
        for block in blocks {
            guard try block.absoluteSums(rows: rows + outOffset, columns: columns + inOffset) else { return false }
            inOffset += block.inputCount
            outOffset += block.outputCount
        }
        return true
    }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        var inOffset = 0, outOffset = 0
        for b in blocks {
            try b.apply(x + inOffset, into: y + outOffset)
            inOffset += b.inputBytes
            outOffset += b.outputBytes
        }
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        var inOffset = 0, outOffset = 0
        for b in blocks {
            try b.applyAdjoint(y + outOffset, into: x + inOffset)
            inOffset += b.inputBytes
            outOffset += b.outputBytes
        }
    }
}
