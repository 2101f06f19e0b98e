/// [A; B; ...]: operators of one input shape and type whose outputs are concatenated (flattened)
/// into one vector: output shape (sum of output sizes,).
public final class StackOperator: LinearOperator {
    public let blocks: [LinearOperator]
    /// One block's adjoint image, when there are several.
    private let part: Workspace?

    public init(_ blocks: [LinearOperator]) throws {
        guard let first = blocks.first else { throw InverseKitError(.invalidArgument, "Invalid stack: no operators") }
        var total = 0
        for (i, b) in blocks.enumerated() {
            guard b.inputShape == first.inputShape, b.inputType == first.inputType, b.outputType == first.outputType else {
                throw InverseKitError(.shape, "Invalid stack: block \(i) (\(b)) does not share block 0's input and output types (\(first))")
            }
            let (sum, overflow) = total.addingReportingOverflow(b.outputCount)
            guard !overflow else { throw InverseKitError(.overflow, "Invalid stack: too many elements") }
            total = sum
        }
        self.blocks = blocks
        part = blocks.count > 1 ? try Workspace(bytes: first.inputBytes) : nil
        try super.init(inputShape: first.inputShape, outputShape: [total], inputType: first.inputType,
                       outputType: first.outputType)
    }

    override public var canFailMidway: Bool { blocks.contains { $0.canFailMidway } }

    override public var name: String { "stack" }

    /// Rows: each block's in turn; columns: the blocks' added.
    override public func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        columns.update(repeating: 0, count: inputCount)
        var offset = 0
        for block in blocks {
            guard let s = try block.absoluteSumBuffers() else { return false }
            (rows + offset).update(from: s.rows.pointer, count: block.outputCount)
            for j in 0..<inputCount { columns[j] += s.columns.pointer[j] }
            offset += block.outputCount
        }
        return true
    }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        var offset = 0
        for b in blocks {
            try b.apply(x, into: y + offset)
            offset += b.outputBytes
        }
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        let reals = inputCount * inputType.components
        guard let part else { return try blocks[0].applyAdjoint(y, into: x) }
        try part.with { part in
            try blocks[0].applyAdjoint(y, into: x)
            var offset = blocks[0].outputBytes
            for b in blocks.dropFirst() {
                try b.applyAdjoint(y + offset, into: part)
                RealView.axpy(1, UnsafeRawPointer(part), x, reals: reals, precision: precision)
                offset += b.outputBytes
            }
        }
    }
}
