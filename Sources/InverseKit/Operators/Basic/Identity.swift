/// y = x.
public final class IdentityOperator: LinearOperator {
    public init(shape: [Int], type: ScalarType) throws {
        try super.init(inputShape: shape, outputShape: shape, inputType: type, outputType: type)
    }

    override public var name: String { "identity" }
    override public var analyticNormBound: Double? { 1 }

    override public func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        rows.update(repeating: 1, count: outputCount)
        columns.update(repeating: 1, count: inputCount)
        return true
    }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        y.copyMemory(from: x, byteCount: inputBytes)
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        x.copyMemory(from: y, byteCount: inputBytes)
    }

    override public var hasNormalSolve: Bool { true }

    override public func normalSolve(rho: Double, _ b: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        if UnsafeRawPointer(x) != b { x.copyMemory(from: b, byteCount: inputBytes) }
        RealView.scale(x, reals: inputCount * inputType.components, precision: precision, by: 1 / (1 + rho))
    }
}
