import COpenBLAS

/// y = M x for a dense m x n matrix (row-major), through BLAS gemv; A^H uses the conjugate
/// transpose. The data has the matrix's element type; input shape (n,), output (m,).
public final class DenseMatrixOperator: LinearOperator {
    private let storage: AlignedBuffer<UInt8>
    public let rows: Int
    public let columns: Int

    /// `entries`: rows * columns elements as reals (Double), interleaved when `type` is complex.
    public init(rows: Int, columns: Int, entries: UnsafeBufferPointer<Double>, type: ScalarType) throws {
        guard rows >= 1, columns >= 1 else {
            throw InverseKitError(.shape, "Invalid matrix: shape (\(rows), \(columns)) must have extents >= 1")
        }
        guard rows <= Int(Int32.max), columns <= Int(Int32.max) else {
            throw InverseKitError(.overflow, "Invalid matrix: extents must be below 2^31 for BLAS")
        }
        let count = try LinearOperator.count([rows, columns], type, "matrix")
        guard entries.count == count * type.components else {
            throw InverseKitError(.shape, "Invalid matrix: expected \(count * type.components) reals, got \(entries.count)")
        }
        try requireFinite(entries, "matrix", item: "entry", components: type.components)
        storage = try AlignedBuffer(reals: entries, precision: type.precision)
        self.rows = rows
        self.columns = columns
        try super.init(inputShape: [columns], outputShape: [rows], inputType: type, outputType: type)
    }

    /// The same from a Swift array.
    public convenience init(rows: Int, columns: Int, entries: [Double], type: ScalarType) throws {
        let values = try AlignedBuffer(copying: entries)
        try self.init(rows: rows, columns: columns, entries: values.buffer, type: type)
    }

    override public var name: String { "matrix" }

    override public func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        let c = inputType.components, r = self.rows, n = self.columns
        func run<T: BinaryFloatingPoint>(_ m: UnsafePointer<T>) {
            rows.update(repeating: 0, count: r)
            columns.update(repeating: 0, count: n)
            for i in 0..<r {
                for j in 0..<n {
                    let e = (i * n + j) * c
                    let modulus = c == 2 ? (Double(m[e]) * Double(m[e]) + Double(m[e + 1]) * Double(m[e + 1])).squareRoot()
                                         : Double(m[e]).magnitude
                    rows[i] += modulus
                    columns[j] += modulus
                }
            }
        }
        switch precision {
        case .single: run(UnsafeRawPointer(storage.pointer).assumingMemoryBound(to: Float.self))
        case .double: run(UnsafeRawPointer(storage.pointer).assumingMemoryBound(to: Double.self))
        }
        return true
    }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        gemv(CblasNoTrans, x, y)
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        gemv(CblasConjTrans, y, x)
    }

    private func gemv(_ trans: CBLAS_TRANSPOSE, _ a: UnsafeRawPointer, _ b: UnsafeMutableRawPointer) {
        let m = blasint(rows), n = blasint(columns)
        let matrix = UnsafeRawPointer(storage.pointer)
        switch inputType {
        case .float32:
            cblas_sgemv(CblasRowMajor, trans, m, n, 1, matrix.assumingMemoryBound(to: Float.self), n,
                        a.assumingMemoryBound(to: Float.self), 1, 0, b.assumingMemoryBound(to: Float.self), 1)
        case .float64:
            cblas_dgemv(CblasRowMajor, trans, m, n, 1, matrix.assumingMemoryBound(to: Double.self), n,
                        a.assumingMemoryBound(to: Double.self), 1, 0, b.assumingMemoryBound(to: Double.self), 1)
        case .complex64:
            var one: (Float, Float) = (1, 0), zero: (Float, Float) = (0, 0)
            withUnsafePointer(to: &one) { alpha in withUnsafePointer(to: &zero) { beta in
                cblas_cgemv(CblasRowMajor, trans, m, n, alpha, matrix, n, a, 1, beta, b, 1)
            } }
        case .complex128:
            var one: (Double, Double) = (1, 0), zero: (Double, Double) = (0, 0)
            withUnsafePointer(to: &one) { alpha in withUnsafePointer(to: &zero) { beta in
                cblas_zgemv(CblasRowMajor, trans, m, n, alpha, matrix, n, a, 1, beta, b, 1)
            } }
        }
    }
}
