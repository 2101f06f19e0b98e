/// y = A x for a sparse m x n matrix in compressed sparse row form (indptr, indices, values), as
/// scipy.sparse.csr_matrix stores it; A^H y scatters conj(values). Duplicate entries add up.
public final class SparseCSROperator: LinearOperator {
    public let rows: Int
    public let columns: Int
    private let indptr: AlignedBuffer<Int>
    private let indices: AlignedBuffer<Int>
    private let values: AlignedBuffer<UInt8>

    /// `values`: nnz elements as reals (Double), interleaved when `type` is complex.
    public init(rows: Int, columns: Int, indptr: UnsafeBufferPointer<Int>, indices: UnsafeBufferPointer<Int>,
                values: UnsafeBufferPointer<Double>, type: ScalarType) throws {
        guard rows >= 1, columns >= 1 else {
            throw InverseKitError(.shape, "Invalid sparse matrix: shape (\(rows), \(columns)) must have extents >= 1")
        }
        guard indptr.count == rows + 1 else {
            throw InverseKitError(.shape, "Invalid indptr: expected \(rows + 1) entries, got \(indptr.count)")
        }
        let nnz = indices.count
        guard indptr[0] == 0, indptr[rows] == nnz else {
            throw InverseKitError(.invalidArgument, "Invalid indptr: must start at 0 and end at nnz = \(nnz)")
        }
        for r in 0..<rows where indptr[r] > indptr[r + 1] {
            throw InverseKitError(.invalidArgument, "Invalid indptr: decreases at row \(r)")
        }
        if let bad = indices.firstIndex(where: { $0 < 0 || $0 >= columns }) {
            throw InverseKitError(.invalidArgument, "Invalid indices: entry \(bad) is \(indices[bad]), outside 0..<\(columns)")
        }
        guard values.count == nnz * type.components else {
            throw InverseKitError(.shape, "Invalid values: expected \(nnz * type.components) reals, got \(values.count)")
        }
        try requireFinite(values, "values", item: "entry", components: type.components)
        self.values = try AlignedBuffer(reals: values, precision: type.precision)
        self.rows = rows
        self.columns = columns
        self.indptr = try AlignedBuffer(copying: indptr)
        self.indices = try AlignedBuffer(copying: indices)
        try super.init(inputShape: [columns], outputShape: [rows], inputType: type, outputType: type)
    }

    /// The same from Swift arrays.
    public convenience init(rows: Int, columns: Int, indptr: [Int], indices: [Int], values: [Double],
                            type: ScalarType) throws {
        let p = try AlignedBuffer(copying: indptr), i = try AlignedBuffer(copying: indices)
        let v = try AlignedBuffer(copying: values)
        try self.init(rows: rows, columns: columns, indptr: p.buffer, indices: i.buffer, values: v.buffer, type: type)
    }

    override public var name: String { "sparse matrix" }

    override public func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        let c = inputType.components, ptr = indptr.pointer, idx = indices.pointer
        func run<T: BinaryFloatingPoint>(_ v: UnsafePointer<T>) {
            rows.update(repeating: 0, count: self.rows)
            columns.update(repeating: 0, count: self.columns)
            for r in 0..<self.rows {
                for e in ptr[r]..<ptr[r + 1] {
                    let modulus = c == 2 ? (Double(v[2 * e]) * Double(v[2 * e]) + Double(v[2 * e + 1]) * Double(v[2 * e + 1])).squareRoot()
                                         : Double(v[e]).magnitude
                    rows[r] += modulus
                    columns[idx[e]] += modulus
                }
            }
        }
        switch precision {
        case .single: run(UnsafeRawPointer(values.pointer).assumingMemoryBound(to: Float.self))
        case .double: run(UnsafeRawPointer(values.pointer).assumingMemoryBound(to: Double.self))
        }
        return true
    }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        switch precision {
        case .single: multiply(Float.self, x, y)
        case .double: multiply(Double.self, x, y)
        }
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        switch precision {
        case .single: multiplyAdjoint(Float.self, y, x)
        case .double: multiplyAdjoint(Double.self, y, x)
        }
    }

    private func multiply<T: BinaryFloatingPoint>(_: T.Type, _ xRaw: UnsafeRawPointer, _ yRaw: UnsafeMutableRawPointer) {
        let x = xRaw.assumingMemoryBound(to: T.self), y = yRaw.assumingMemoryBound(to: T.self)
        let v = UnsafeRawPointer(values.pointer).assumingMemoryBound(to: T.self)
        let ptr = indptr.pointer, idx = indices.pointer
        if inputType.isComplex {
            for r in 0..<rows {
                var re: T = 0, im: T = 0
                for e in ptr[r]..<ptr[r + 1] {
                    let c = idx[e], vr = v[2 * e], vi = v[2 * e + 1], xr = x[2 * c], xi = x[2 * c + 1]
                    re += vr * xr - vi * xi
                    im += vr * xi + vi * xr
                }
                y[2 * r] = re
                y[2 * r + 1] = im
            }
        } else {
            for r in 0..<rows {
                var sum: T = 0
                for e in ptr[r]..<ptr[r + 1] { sum += v[e] * x[idx[e]] }
                y[r] = sum
            }
        }
    }

    private func multiplyAdjoint<T: BinaryFloatingPoint>(_: T.Type, _ yRaw: UnsafeRawPointer,
                                                         _ xRaw: UnsafeMutableRawPointer) {
        let y = yRaw.assumingMemoryBound(to: T.self), x = xRaw.assumingMemoryBound(to: T.self)
        let v = UnsafeRawPointer(values.pointer).assumingMemoryBound(to: T.self)
        x.update(repeating: 0, count: columns * inputType.components)
        let ptr = indptr.pointer, idx = indices.pointer
        if inputType.isComplex {
            for r in 0..<rows {
                let yr = y[2 * r], yi = y[2 * r + 1]
                for e in ptr[r]..<ptr[r + 1] {
                    let c = idx[e], vr = v[2 * e], vi = -v[2 * e + 1]
                    x[2 * c] += vr * yr - vi * yi
                    x[2 * c + 1] += vr * yi + vi * yr
                }
            }
        } else {
            for r in 0..<rows {
                let yr = y[r]
                for e in ptr[r]..<ptr[r + 1] { x[idx[e]] += v[e] * yr }
            }
        }
    }
}
