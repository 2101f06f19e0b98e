/// y = d * x elementwise, A^H y = conj(d) * y. A real d acts on real or complex data; a complex d
/// needs complex data. With d a 0/1 mask this is the inpainting operator.
public final class DiagonalOperator: LinearOperator {
    /// d in the operator's precision, interleaved when complex.
    private let values: AlignedBuffer<UInt8>
    public let diagonalType: ScalarType
    /// max_i |d_i|, the operator's norm.
    private let largestModulus: Double

    /// `diagonal`: `count * diagonalType.components` reals (Double), row-major over `shape`.
    public init(shape: [Int], diagonal: UnsafeBufferPointer<Double>, diagonalType: ScalarType,
                dataType: ScalarType) throws {
        if diagonalType.isComplex && !dataType.isComplex {
            throw InverseKitError(.unsupportedType, "Invalid diagonal: a complex diagonal needs complex data, got \(dataType)")
        }
        let count = try LinearOperator.count(shape, dataType, "diagonal")
        let kind = ScalarType(precision: dataType.precision, complex: diagonalType.isComplex)
        guard diagonal.count == count * kind.components else {
            throw InverseKitError(.shape, "Invalid diagonal: expected \(count * kind.components) reals, got \(diagonal.count)")
        }
        try requireFinite(diagonal, "diagonal", components: kind.components)
        values = try AlignedBuffer(reals: diagonal, precision: dataType.precision)
        var largest = 0.0
        for i in 0..<count {
            let m = kind.isComplex ? (diagonal[2 * i] * diagonal[2 * i] + diagonal[2 * i + 1] * diagonal[2 * i + 1]).squareRoot()
                                   : diagonal[i].magnitude
            largest = max(largest, m)
        }
        // Rounded to the working precision the entries can grow by half a unit.
        largestModulus = largest * (1 + 2 * dataType.precision.unitRoundoff)
        self.diagonalType = kind
        try super.init(inputShape: shape, outputShape: shape, inputType: dataType, outputType: dataType)
    }

    /// The inpainting operator: `mask` holds 0 (missing) or 1 (observed) per pixel, at least one 1.
    public convenience init(shape: [Int], mask: UnsafeBufferPointer<Double>, dataType: ScalarType) throws {
        if let bad = mask.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw InverseKitError(.invalidArgument, "Invalid mask: values must be 0 or 1, element \(bad) is \(mask[bad])")
        }
        guard mask.contains(1) else {
            throw InverseKitError(.invalidArgument, "Invalid mask: no pixel is observed (all zeros)")
        }
        try self.init(shape: shape, diagonal: mask, diagonalType: dataType.real, dataType: dataType)
    }

    /// The same from a Swift array.
    public convenience init(shape: [Int], diagonal: [Double], diagonalType: ScalarType, dataType: ScalarType) throws {
        let values = try AlignedBuffer(copying: diagonal)
        try self.init(shape: shape, diagonal: values.buffer, diagonalType: diagonalType, dataType: dataType)
    }

    public convenience init(shape: [Int], mask: [Double], dataType: ScalarType) throws {
        let values = try AlignedBuffer(copying: mask)
        try self.init(shape: shape, mask: values.buffer, dataType: dataType)
    }

    override public var name: String { "diagonal" }
    override public var analyticNormBound: Double? { largestModulus }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        multiply(x, y, conjugate: false)
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        multiply(y, x, conjugate: true)
    }

    private func multiply(_ a: UnsafeRawPointer, _ b: UnsafeMutableRawPointer, conjugate: Bool) {
        let d = UnsafeRawPointer(values.pointer)
        switch precision {
        case .single: Self.kernel(Float.self, d, a, b, inputCount, diagonalType.isComplex, inputType.isComplex, conjugate)
        case .double: Self.kernel(Double.self, d, a, b, inputCount, diagonalType.isComplex, inputType.isComplex, conjugate)
        }
    }

    private static func kernel<T: BinaryFloatingPoint>(_: T.Type, _ dRaw: UnsafeRawPointer, _ aRaw: UnsafeRawPointer,
                                                       _ bRaw: UnsafeMutableRawPointer, _ n: Int, _ complexD: Bool,
                                                       _ complexData: Bool, _ conjugate: Bool) {
        let d = dRaw.assumingMemoryBound(to: T.self), a = aRaw.assumingMemoryBound(to: T.self)
        let b = bRaw.assumingMemoryBound(to: T.self)
        switch (complexD, complexData) {
        case (false, false):
            for i in 0..<n { b[i] = d[i] * a[i] }
        case (false, true):
            for i in 0..<n {
                b[2 * i] = d[i] * a[2 * i]
                b[2 * i + 1] = d[i] * a[2 * i + 1]
            }
        default:
            let sign: T = conjugate ? -1 : 1
            for i in 0..<n {
                let dr = d[2 * i], di = sign * d[2 * i + 1], ar = a[2 * i], ai = a[2 * i + 1]
                b[2 * i] = dr * ar - di * ai
                b[2 * i + 1] = dr * ai + di * ar
            }
        }
    }

    override public var hasNormalSolve: Bool { true }

    override public func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        let complex = diagonalType.isComplex, n = inputCount
        func moduli<T: BinaryFloatingPoint>(_ d: UnsafePointer<T>) {
            for i in 0..<n {
                rows[i] = complex ? (Double(d[2 * i]) * Double(d[2 * i]) + Double(d[2 * i + 1]) * Double(d[2 * i + 1])).squareRoot()
                                  : Double(d[i]).magnitude
            }
        }
        switch precision {
        case .single: moduli(UnsafeRawPointer(values.pointer).assumingMemoryBound(to: Float.self))
        case .double: moduli(UnsafeRawPointer(values.pointer).assumingMemoryBound(to: Double.self))
        }
        columns.update(from: rows, count: n)
        return true
    }

    // (|d|^2 + rho) x = b elementwise.
    override public func normalSolve(rho: Double, _ b: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        let d = UnsafeRawPointer(values.pointer)
        switch precision {
        case .single: Self.divide(Float.self, d, b, x, inputCount, diagonalType.isComplex, inputType.components, rho)
        case .double: Self.divide(Double.self, d, b, x, inputCount, diagonalType.isComplex, inputType.components, rho)
        }
    }

    private static func divide<T: BinaryFloatingPoint>(_: T.Type, _ dRaw: UnsafeRawPointer, _ bRaw: UnsafeRawPointer,
                                                       _ xRaw: UnsafeMutableRawPointer, _ n: Int, _ complexD: Bool,
                                                       _ components: Int, _ rho: Double) {
        let d = dRaw.assumingMemoryBound(to: T.self), b = bRaw.assumingMemoryBound(to: T.self)
        let x = xRaw.assumingMemoryBound(to: T.self), r = T(rho)
        for i in 0..<n {
            let m = complexD ? d[2 * i] * d[2 * i] + d[2 * i + 1] * d[2 * i + 1] : d[i] * d[i]
            let inverse = 1 / (m + r)
            for c in 0..<components { x[components * i + c] = b[components * i + c] * inverse }
        }
    }
}
