/// An operator defined by the user's code: two functions computing y = A x and x = A^H y on
/// contiguous buffers. A function that throws ends the call with that error; the library never
/// checks that the two are adjoint (use `adjointMismatch`).
public final class CallbackOperator: LinearOperator {
    public typealias Function = (UnsafeRawPointer, UnsafeMutableRawPointer) throws -> Void
    private let forwardFunction: Function
    private let adjointFunction: Function
    /// Runs when the operator is released (e.g. to free the user's context).
    private let release: (() -> Void)?

    public init(inputShape: [Int], outputShape: [Int], inputType: ScalarType, outputType: ScalarType,
                forward: @escaping Function, adjoint: @escaping Function, release: (() -> Void)? = nil) throws {
        // Validate first: if creation fails, `release` must not run (the caller keeps ownership).
        _ = try LinearOperator.count(inputShape, inputType, "input")
        _ = try LinearOperator.count(outputShape, outputType, "output")
        guard inputType.precision == outputType.precision else {
            throw InverseKitError(.unsupportedType, "An operator maps between arrays of one precision")
        }
        forwardFunction = forward
        adjointFunction = adjoint
        self.release = release
        try super.init(inputShape: inputShape, outputShape: outputShape, inputType: inputType, outputType: outputType)
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
