/// A linear map A from arrays of `inputShape` to arrays of `outputShape`, with its exact adjoint.
///
/// Data crosses as contiguous row-major buffers of the declared element types (complex data
/// interleaved). Operators are immutable after creation: `apply` and `applyAdjoint` may run
/// concurrently on one operator with different buffers. Subclasses override `forward` and
/// `backward` and dispatch to kernels specialised for Float and Double.
open class LinearOperator: CustomStringConvertible {
    public let inputShape: [Int]
    public let outputShape: [Int]
    public let inputType: ScalarType
    public let outputType: ScalarType
    /// Elements in an input / output array.
    public let inputCount: Int
    public let outputCount: Int
    /// The cached upper bound on the norm (see `normUpperBound`).
    package let normCache = NormCache()

    public init(inputShape: [Int], outputShape: [Int], inputType: ScalarType, outputType: ScalarType) throws {
        guard inputType.precision == outputType.precision else {
            throw InverseKitError(.unsupportedType, "An operator maps between arrays of one precision")
        }
        self.inputShape = inputShape
        self.outputShape = outputShape
        self.inputType = inputType
        self.outputType = outputType
        inputCount = try LinearOperator.count(inputShape, inputType, "input")
        outputCount = try LinearOperator.count(outputShape, outputType, "output")
    }

    public var precision: ScalarType.Precision { inputType.precision }

    /// A short name for messages, e.g. "gradient".
    open var name: String { "operator" }

    /// Whether applying can fail after it has started writing its output (user callbacks can).
    /// Callers that promise untouched outputs on error then write into a private buffer first.
    open var canFailMidway: Bool { false }

    public var description: String { "\(name): \(inputShape) \(inputType) -> \(outputShape) \(outputType)" }

    /// y = A x.
    public final func apply(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        try forward(x, into: y)
    }

    /// x = A^H y.
    public final func applyAdjoint(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        try backward(y, into: x)
    }

    /// Implements y = A x. `x` holds inputCount elements of inputType, `y` outputCount of outputType.
    open func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        throw InverseKitError(.internalError, "\(name) does not implement forward")
    }

    /// Implements x = A^H y.
    open func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        throw InverseKitError(.internalError, "\(name) does not implement backward")
    }

    /// x = (A^H A + rho I)^{-1} b, for operators where that has a closed form (identity, scaling,
    /// diagonals and masks, periodic convolution, single-coil Fourier, blur with decimation).
    /// `b` and `x` are input-shaped and may be the same buffer; rho > 0.
    public final func solveNormal(rho: Double, _ b: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        guard rho.isFinite, rho > 0 else {
            throw InverseKitError(.invalidArgument, "Invalid rho: expected a finite value > 0, got \(rho)")
        }
        try normalSolve(rho: rho, b, into: x)
    }

    /// An upper bound on ||A||_2 known in closed form, or nil (then `normUpperBound` estimates one).
    open var analyticNormBound: Double? { nil }

    /// Whether `solveNormal` is available.
    open var hasNormalSolve: Bool { false }

    /// Upper bounds on the row and column sums of |A| (the entries' moduli): rows[i] >= sum_j |a_ij|
    /// (outputCount values) and columns[j] >= sum_i |a_ij| (inputCount values), what diagonal
    /// preconditioning takes its steps from (Pock and Chambolle 2011). Returns false where the
    /// operator does not know them (user callbacks, SENSE); then the buffers' contents are undefined.
    open func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        false
    }

    /// Implements `solveNormal` (rho already checked).
    open func normalSolve(rho: Double, _ b: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        throw InverseKitError(.invalidArgument, "Invalid operator: \(name) has no closed-form (A^H A + rho I)^-1")
    }

    /// Bytes of an input / output buffer.
    public var inputBytes: Int { inputCount * inputType.size }
    public var outputBytes: Int { outputCount * outputType.size }

    static func count(_ shape: [Int], _ type: ScalarType, _ what: String) throws -> Int {
        var total = 1
        for (axis, extent) in shape.enumerated() {
            guard extent >= 1 else {
                throw InverseKitError(.shape, "Invalid \(what) shape \(shape): extent of axis \(axis) must be >= 1")
            }
            let (product, overflow) = total.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw InverseKitError(.overflow, "Invalid \(what) shape \(shape): too many elements") }
            total = product
        }
        guard !total.multipliedReportingOverflow(by: type.size * 4).overflow else {
            throw InverseKitError(.overflow, "Invalid \(what) shape \(shape): too many bytes")
        }
        return total
    }
}

extension LinearOperator {
    /// `absoluteSums` into new buffers, or nil where the operator does not know them.
    package func absoluteSumBuffers() throws -> (rows: AlignedBuffer<Double>, columns: AlignedBuffer<Double>)? {
        let rows = try AlignedBuffer<Double>(count: outputCount), columns = try AlignedBuffer<Double>(count: inputCount)
        guard try absoluteSums(rows: rows.pointer, columns: columns.pointer) else { return nil }
        return (rows, columns)
    }

    /// For operators whose entries are all >= 0 (projectors, nonnegative blurs): the sums are
    /// A 1 and A^H 1, computed by two applications.
    package func nonnegativeSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws {
        let input = try AlignedBuffer<UInt8>(count: inputBytes), output = try AlignedBuffer<UInt8>(count: outputBytes)
        let x = UnsafeMutableRawPointer(input.pointer), y = UnsafeMutableRawPointer(output.pointer)
        Reals.fillRealParts(precision, x, inputCount, inputType.components, with: 1)
        try apply(x, into: y)
        Reals.realParts(precision, y, outputCount, outputType.components, into: rows)
        Reals.fillRealParts(precision, y, outputCount, outputType.components, with: 1)
        try applyAdjoint(y, into: x)
        Reals.realParts(precision, x, inputCount, inputType.components, into: columns)
    }

    /// y = A x on Swift arrays of reals (complex data interleaved: twice as many reals) of the
    /// operator's precision (Float for float32, Double for float64).
    public func apply<T: BinaryFloatingPoint>(_ x: [T]) throws -> [T] {
        try checkReals(T.self, x.count, inputCount, inputType, "x")
        var y = [T](repeating: 0, count: outputCount * outputType.components)
        try x.withUnsafeBytes { xb in try y.withUnsafeMutableBytes { yb in
            try apply(xb.baseAddress!, into: yb.baseAddress!)
        } }
        return y
    }

    /// x = A^H y on Swift arrays of reals.
    public func applyAdjoint<T: BinaryFloatingPoint>(_ y: [T]) throws -> [T] {
        try checkReals(T.self, y.count, outputCount, outputType, "y")
        var x = [T](repeating: 0, count: inputCount * inputType.components)
        try y.withUnsafeBytes { yb in try x.withUnsafeMutableBytes { xb in
            try applyAdjoint(yb.baseAddress!, into: xb.baseAddress!)
        } }
        return x
    }

    private func checkReals<T: BinaryFloatingPoint>(_: T.Type, _ got: Int, _ elements: Int, _ type: ScalarType,
                                                    _ name: String) throws {
        let expected: Any.Type = type.precision == .single ? Float.self : Double.self
        guard T.self == expected else {
            throw InverseKitError(.unsupportedType, "Invalid \(name): the operator takes \(type), got an array of \(T.self)")
        }
        guard got == elements * type.components else {
            throw InverseKitError(.shape, "Invalid \(name): expected \(elements * type.components) reals, got \(got)")
        }
    }
}

/// Runs `body` with a zero-filled scratch buffer of `bytes` bytes (64-byte aligned).
func withScratch<R>(bytes: Int, _ body: (UnsafeMutableRawPointer) throws -> R) throws -> R {
    let buffer = try AlignedBuffer<UInt8>(count: max(bytes, 1))
    buffer.pointer.initialize(repeating: 0, count: max(bytes, 1))
    return try body(UnsafeMutableRawPointer(buffer.pointer))
}
