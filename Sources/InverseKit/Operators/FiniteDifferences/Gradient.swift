/// The finite-difference gradient of a 1-, 2- or 3-D array: forward differences with Neumann
/// boundary, (D_k x)(i) = x(i + e_k) - x(i) inside, 0 on the last slice of axis k. Output shape
/// (ndim, shape...). Exactly the discretisation of TV; its adjoint is minus the divergence.
/// Complex data is differenced componentwise.
public final class GradientOperator: LinearOperator {
    public init(shape: [Int], type: ScalarType) throws {
        guard (1...3).contains(shape.count) else {
            throw InverseKitError(.shape, "Invalid shape: the gradient takes 1, 2 or 3 dimensions, got \(shape.count)")
        }
        try super.init(inputShape: shape, outputShape: [shape.count] + shape, inputType: type, outputType: type)
    }

    override public var name: String { "gradient" }

    /// Row (a, p): 2 where the forward difference along axis a exists, 0 on the last plane; column
    /// p: the number of differences it enters (two per axis inside, one on a face).
    override public func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        let n = inputCount
        columns.update(repeating: 0, count: n)
        for axis in inputShape.indices {
            let extent = inputShape[axis], inner = inputShape[(axis + 1)...].reduce(1, *)
            for p in 0..<n {
                let position = (p / inner) % extent
                rows[axis * n + p] = position < extent - 1 ? 2 : 0
                columns[p] += (position < extent - 1 ? 1 : 0) + (position > 0 ? 1 : 0)
            }
        }
        return true
    }
    // ||D||^2 <= 4 d: each axis's difference operator has norm at most 2.
    override public var analyticNormBound: Double? { (4 * Double(inputShape.count)).squareRoot() }

    /// (outer, extent, inner) splitting of the flat index for differences along `axis`, in reals.
    private func split(_ axis: Int) -> (Int, Int, Int) {
        let outer = inputShape[..<axis].reduce(1, *)
        let inner = inputShape[(axis + 1)...].reduce(1, *) * inputType.components
        return (outer, inputShape[axis], inner)
    }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        switch precision {
        case .single: differences(Float.self, x, y)
        case .double: differences(Double.self, x, y)
        }
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        switch precision {
        case .single: adjointDifferences(Float.self, y, x)
        case .double: adjointDifferences(Double.self, y, x)
        }
    }

    // Both directions are one pass per axis over contiguous rows, split between threads by the
    // blocks of the axes before it; every output element is computed once, from its inputs only.

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    private func differences<T: BinaryFloatingPoint>(_: T.Type, _ xRaw: UnsafeRawPointer, _ gRaw: UnsafeMutableRawPointer) {
        let x = xRaw.assumingMemoryBound(to: T.self)
        let reals = inputCount * inputType.components
        for axis in 0..<inputShape.count {
            let g = gRaw.assumingMemoryBound(to: T.self) + axis * reals
            let (outer, extent, inner) = split(axis)
            if inner <= 2 {
                // The last axis: rows of `extent` elements of `inner` reals.
                let rows = outer, length = extent * inner
                ParallelLoops.ranges(rows, work: 2 * reals) { range in
                    for r in range {
                        let a = x + r * length, d = g + r * length
                        for k in 0..<(length - inner) { d[k] = a[k + inner] - a[k] }
                        for k in (length - inner)..<length { d[k] = 0 }
                    }
                }
                continue
            }
            ParallelLoops.ranges(outer * extent, work: 2 * reals) { range in
                for line in range {
                    let j = line % extent, at = line * inner
                    let d = g + at, a = x + at
                    if j == extent - 1 {
                        d.update(repeating: 0, count: inner)
                    } else {
                        for k in 0..<inner { d[k] = a[inner + k] - a[k] }
                    }
                }
            }
        }
    }

    // x(i) = sum_k g_k(i - e_k) [i not first] - g_k(i) [i not last]
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    private func adjointDifferences<T: BinaryFloatingPoint>(_: T.Type, _ gRaw: UnsafeRawPointer,
                                                            _ xRaw: UnsafeMutableRawPointer) {
        let x = xRaw.assumingMemoryBound(to: T.self)
        let reals = inputCount * inputType.components
        for axis in 0..<inputShape.count {
            let g = gRaw.assumingMemoryBound(to: T.self) + axis * reals
            let (outer, extent, inner) = split(axis)
            let first = axis == 0 // the first axis writes x, the others add to it
            if inner <= 2 {
                let rows = outer, length = extent * inner
                ParallelLoops.ranges(rows, work: 2 * reals) { range in
                    for r in range {
                        let d = g + r * length, out = x + r * length
                        if length == inner {
                            if first { out.update(repeating: 0, count: inner) }
                            continue
                        }
                        if first {
                            for k in 0..<inner { out[k] = -d[k] }
                            for k in inner..<(length - inner) { out[k] = d[k - inner] - d[k] }
                            for k in (length - inner)..<length { out[k] = d[k - inner] }
                        } else {
                            for k in 0..<inner { out[k] -= d[k] }
                            for k in inner..<(length - inner) { out[k] += d[k - inner] - d[k] }
                            for k in (length - inner)..<length { out[k] += d[k - inner] }
                        }
                    }
                }
                continue
            }
            ParallelLoops.ranges(outer * extent, work: 2 * reals) { range in
                for line in range {
                    let j = line % extent, at = line * inner
                    let out = x + at, d = g + at
                    switch (j == 0, j == extent - 1) {
                    case (true, true):
                        if first { out.update(repeating: 0, count: inner) }
                    case (true, false):
                        for k in 0..<inner { out[k] = first ? -d[k] : out[k] - d[k] }
                    case (false, true):
                        for k in 0..<inner { out[k] = first ? d[k - inner] : out[k] + d[k - inner] }
                    case (false, false):
                        for k in 0..<inner {
                            let v = d[k - inner] - d[k]
                            out[k] = first ? v : out[k] + v
                        }
                    }
                }
            }
        }
    }
}

/// The divergence div = -D^T, adjoint partner of the gradient: input (ndim, shape...), output shape.
public final class DivergenceOperator: LinearOperator {
    private let gradient: GradientOperator

    public init(shape: [Int], type: ScalarType) throws {
        gradient = try GradientOperator(shape: shape, type: type)
        try super.init(inputShape: gradient.outputShape, outputShape: shape, inputType: type, outputType: type)
    }

    override public var name: String { "divergence" }

    override public func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        try gradient.absoluteSums(rows: columns, columns: rows)
    }
    override public var analyticNormBound: Double? { (4 * Double(outputShape.count)).squareRoot() }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        try gradient.applyAdjoint(x, into: y)
        RealView.scale(y, reals: outputCount * outputType.components, precision: precision, by: -1)
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        try gradient.apply(y, into: x)
        RealView.scale(x, reals: inputCount * inputType.components, precision: precision, by: -1)
    }
}
