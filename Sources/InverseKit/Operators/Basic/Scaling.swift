/// y = s x for a real scalar s.
public final class ScalingOperator: LinearOperator {
    public let scale: Double

    public init(shape: [Int], type: ScalarType, scale: Double) throws {
        guard scale.isFinite else { throw InverseKitError(.notFinite, "Invalid scale: \(scale) is not finite") }
        self.scale = scale
        try super.init(inputShape: shape, outputShape: shape, inputType: type, outputType: type)
    }

    override public var name: String { "scaling" }
    override public var analyticNormBound: Double? { scale.magnitude }

    override public func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        rows.update(repeating: scale.magnitude, count: outputCount)
        columns.update(repeating: scale.magnitude, count: inputCount)
        return true
    }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        y.copyMemory(from: x, byteCount: inputBytes)
        RealView.scale(y, reals: inputCount * inputType.components, precision: precision, by: scale)
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        try forward(y, into: x)
    }

    override public var hasNormalSolve: Bool { true }

    override public func normalSolve(rho: Double, _ b: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        if UnsafeRawPointer(x) != b { x.copyMemory(from: b, byteCount: inputBytes) }
        RealView.scale(x, reals: inputCount * inputType.components, precision: precision, by: 1 / (scale * scale + rho))
    }
}
