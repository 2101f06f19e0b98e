/// An operator defined by the user's code: two functions computing y = A x and x = A^H y on
/// contiguous buffers. A function that throws ends the call with that error; the library never
/// checks that the two are adjoint (use `adjointMismatch`).
public final class CallbackOperator: LinearOperator {
    public typealias Function = (UnsafeRawPointer, UnsafeMutableRawPointer) throws -> Void
    private let forwardFunction: Function
    private let adjointFunction: Function
    /// Runs when the operator is released (e.g. to free the user's context).
    private let release: (() -> Void)?
    /// x = (A^H A + rho I)^{-1} b, when the user supplies it (rho, b, x).
    public typealias NormalSolve = (Double, UnsafeRawPointer, UnsafeMutableRawPointer) throws -> Void
    private let normalFunction: NormalSolve?

    /// `normalSolve`, optional, gives the operator a closed-form (A^H A + rho I)^{-1}; `normBound`,
    /// optional, an upper bound on ||A|| that step-size rules then use instead of an estimate.
    public init(inputShape: [Int], outputShape: [Int], inputType: ScalarType, outputType: ScalarType,
                forward: @escaping Function, adjoint: @escaping Function, normalSolve: NormalSolve? = nil,
                normBound: Double? = nil, release: (() -> Void)? = nil) throws {
        // Validate first: if creation fails, `release` must not run (the caller keeps ownership).
        _ = try LinearOperator.count(inputShape, inputType, "input")
        _ = try LinearOperator.count(outputShape, outputType, "output")
        guard inputType.precision == outputType.precision else {
            throw InverseKitError(.unsupportedType, "An operator maps between arrays of one precision")
        }
        if let normBound, !(normBound.isFinite && normBound >= 0) {
            throw InverseKitError(.invalidArgument, "Invalid norm_bound: expected a finite value >= 0, got \(normBound)")
        }
        forwardFunction = forward
        adjointFunction = adjoint
        normalFunction = normalSolve
        self.release = release
        try super.init(inputShape: inputShape, outputShape: outputShape, inputType: inputType, outputType: outputType)
        if let normBound { try setNormUpperBound(normBound) }
    }

    override public var hasNormalSolve: Bool { normalFunction != nil }

    override public func normalSolve(rho: Double, _ b: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        guard let normalFunction else { return try super.normalSolve(rho: rho, b, into: x) }
        try normalFunction(rho, b, x)
    }

    deinit { release?() }

    override public var canFailMidway: Bool { true }

    override public var name: String { "callback" }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        try forwardFunction(x, y)
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        try adjointFunction(y, x)
    }
}
