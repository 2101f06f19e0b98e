/// Total variation: its value and its proximal map (TV denoising), in float32 and float64, on 2-D
/// and 3-D grids, isotropic or anisotropic, with optional per-pixel weights and a box constraint.
public enum TotalVariation {
    /// The result of `denoise`: the minimiser, the dual variable that certifies it, and statistics.
    public struct Result<Element> {
        public var x: NDArray<Element>
        /// q with |q_i| <= lambda w_i and x = clip(y + div q); shape (ndim, shape...).
        public var dual: NDArray<Element>
        public var info: TVInfo
    }

    /// x = argmin_{lower <= x <= upper} 0.5 ||x - y||^2 + lambda TV_w(x).
    /// `warmStart` is a dual from an earlier call (shape (ndim, shape...)).
    public static func denoise<T: BinaryFloatingPoint>(
        _ y: NDArray<T>, weights: NDArray<T>? = nil, options: TVOptions = TVOptions(),
        warmStart: NDArray<T>? = nil
    ) throws -> Result<T> {
        let grid = try TVGrid(shape: y.shape, name: "y")
        if let weights, weights.shape != y.shape {
            throw InverseKitError(.shape, "Invalid weights: expected shape \(y.shape), got \(weights.shape)")
        }
        if let warmStart, warmStart.shape != grid.dualShape {
            throw InverseKitError(.shape, "Invalid warm start: expected shape \(grid.dualShape), got \(warmStart.shape)")
        }
        var x = try NDArray<T>(shape: y.shape, repeating: 0)
        var dual = try warmStart ?? NDArray<T>(shape: grid.dualShape, repeating: 0)
        let info = try y.storage.withUnsafeBufferPointer { yp in
            try x.storage.withUnsafeMutableBufferPointer { xp in
                try dual.storage.withUnsafeMutableBufferPointer { qp in
                    if let weights {
                        return try weights.storage.withUnsafeBufferPointer { wp in
                            try denoise(yp, grid: grid, weights: wp, options: options, output: xp, dual: qp,
                                        warmStart: warmStart != nil)
                        }
                    }
                    return try denoise(yp, grid: grid, weights: nil, options: options, output: xp, dual: qp,
                                       warmStart: warmStart != nil)
                }
            }
        }
        return Result(x: x, dual: dual, info: info)
    }

    /// TV_w(x) of an array.
    public static func value<T: BinaryFloatingPoint>(_ x: NDArray<T>, norm: TVNorm = .isotropic,
                                                    weights: NDArray<T>? = nil) throws -> Double {
        let grid = try TVGrid(shape: x.shape, name: "x")
        if let weights, weights.shape != x.shape {
            throw InverseKitError(.shape, "Invalid weights: expected shape \(x.shape), got \(weights.shape)")
        }
        return try x.storage.withUnsafeBufferPointer { xp in
            if let weights {
                return try weights.storage.withUnsafeBufferPointer { wp in
                    try value(xp, grid: grid, norm: norm, weights: wp)
                }
            }
            return try value(xp, grid: grid, norm: norm, weights: nil)
        }
    }

    /// The buffer form of `denoise`: contiguous row-major buffers of the grid's size (the dual:
    /// components x size). `output` may not overlap the other buffers. `dual`, when given, receives
    /// the final dual and, with `warmStart`, supplies the initial one. Nothing is written on error.
    public static func denoise<T: BinaryFloatingPoint>(
        _ y: UnsafeBufferPointer<T>, grid: TVGrid, weights: UnsafeBufferPointer<T>?, options: TVOptions,
        output: UnsafeMutableBufferPointer<T>, dual: UnsafeMutableBufferPointer<T>?, warmStart: Bool
    ) throws -> TVInfo {
        try denoise(y, grid: grid, weights: weights, options: options, output: output, dual: dual,
                    warmStart: warmStart, workspace: nil)
    }

    /// The same with a workspace made for this grid, these options (lambda aside) and weights:
    /// a `TVWorkspace<Float>` or `<Double>` held in an `AnyObject`; nil makes one for the call.
    static func denoise<T: BinaryFloatingPoint>(
        _ y: UnsafeBufferPointer<T>, grid: TVGrid, weights: UnsafeBufferPointer<T>?, options: TVOptions,
        output: UnsafeMutableBufferPointer<T>, dual: UnsafeMutableBufferPointer<T>?, warmStart: Bool,
        workspace: AnyObject?
    ) throws -> TVInfo {
        try options.validate()
        try checkCount(y.count, grid.count, "y")
        try checkCount(output.count, grid.count, "x")
        if let weights { try checkCount(weights.count, grid.count, "weights") }
        if let dual { try checkCount(dual.count, grid.components * grid.count, "dual") }
        if warmStart && dual == nil {
            throw InverseKitError(.invalidArgument, "Invalid dual: warm start requested but no dual given")
        }
        try checkDisjoint(output, from: UnsafeRawBufferPointer(y), "x", "y")
        if let weights { try checkDisjoint(output, from: UnsafeRawBufferPointer(weights), "x", "weights") }
        if let dual {
            try checkDisjoint(output, from: UnsafeRawBufferPointer(dual), "x", "dual")
            try checkDisjoint(dual, from: UnsafeRawBufferPointer(y), "dual", "y")
            if let weights { try checkDisjoint(dual, from: UnsafeRawBufferPointer(weights), "dual", "weights") }
        }
        try checkFinite(y, "y")
        if let weights {
            try checkFinite(weights, "weights")
            try checkNonNegative(weights, "weights")
        }
        if warmStart, let dual { try checkFinite(UnsafeBufferPointer(dual), "dual") }

        // Hand the kernels concrete types: generic code reached through `T` would not be specialised.
        // The grid has at least one element, so every base address exists.
        guard let yRaw = UnsafeRawPointer(y.baseAddress), let xRaw = UnsafeMutableRawPointer(output.baseAddress) else {
            throw InverseKitError(.shape, "Invalid y: empty array")
        }
        let wRaw = weights.flatMap { UnsafeRawPointer($0.baseAddress) }
        let qRaw = dual.flatMap { UnsafeMutableRawPointer($0.baseAddress) }
        if T.self == Double.self {
            return try solve(Double.self, yRaw, wRaw, xRaw, qRaw, grid, options, warmStart, workspace)
        } else if T.self == Float.self {
            return try solve(Float.self, yRaw, wRaw, xRaw, qRaw, grid, options, warmStart, workspace)
        }
        throw InverseKitError(.unsupportedType, "TV denoising supports Float and Double, got \(T.self)")
    }

    /// The buffer form of `value`.
    public static func value<T: BinaryFloatingPoint>(_ x: UnsafeBufferPointer<T>, grid: TVGrid, norm: TVNorm,
                                                    weights: UnsafeBufferPointer<T>?) throws -> Double {
        try value(x, grid: grid, norm: norm, weights: weights, workspace: nil)
    }

    /// The same with a workspace for this grid (see `denoise`), whose row of ones it reads.
    static func value<T: BinaryFloatingPoint>(_ x: UnsafeBufferPointer<T>, grid: TVGrid, norm: TVNorm,
                                             weights: UnsafeBufferPointer<T>?, workspace: AnyObject?) throws -> Double {
        try checkCount(x.count, grid.count, "x")
        if let weights { try checkCount(weights.count, grid.count, "weights") }
        try checkFinite(x, "x")
        if let weights {
            try checkFinite(weights, "weights")
            try checkNonNegative(weights, "weights")
        }
        guard let xRaw = UnsafeRawPointer(x.baseAddress) else { throw InverseKitError(.shape, "Invalid x: empty array") }
        let wRaw = weights.flatMap { UnsafeRawPointer($0.baseAddress) }
        if T.self == Double.self {
            return try evaluate(Double.self, xRaw, wRaw, grid, norm, workspace)
        } else if T.self == Float.self {
            return try evaluate(Float.self, xRaw, wRaw, grid, norm, workspace)
        }
        throw InverseKitError(.unsupportedType, "TV supports Float and Double, got \(T.self)")
    }

    // MARK: Concrete dispatch (keeps the kernels specialised for Float and Double)

    private static func solve<S: LaneScalar>(
        _: S.Type, _ y: UnsafeRawPointer, _ weights: UnsafeRawPointer?, _ x: UnsafeMutableRawPointer,
        _ dual: UnsafeMutableRawPointer?, _ grid: TVGrid, _ options: TVOptions, _ warmStart: Bool,
        _ workspace: AnyObject?
    ) throws -> TVInfo {
        let space = try (workspace as? TVWorkspace<S>)
            ?? TVWorkspace<S>(grid: grid, options: options, weighted: weights != nil)
        let yS = y.assumingMemoryBound(to: S.self)
        let wS = weights.map { UnsafeMutableRawPointer(mutating: $0).assumingMemoryBound(to: S.self) }
        let xS = x.assumingMemoryBound(to: S.self)
        let qS = dual.map { $0.assumingMemoryBound(to: S.self) }
        switch options.norm {
        case .isotropic: return try run(IsotropicNorm.self, grid, yS, wS, options, xS, qS, warmStart, space)
        case .anisotropic: return try run(AnisotropicNorm.self, grid, yS, wS, options, xS, qS, warmStart, space)
        }
    }

    private static func run<S: LaneScalar, N: TVPixelNorm>(
        _: N.Type, _ grid: TVGrid, _ y: UnsafePointer<S>, _ weights: UnsafeMutablePointer<S>?, _ options: TVOptions,
        _ x: UnsafeMutablePointer<S>, _ dual: UnsafeMutablePointer<S>?, _ warmStart: Bool,
        _ workspace: TVWorkspace<S>
    ) throws -> TVInfo {
        // Allocate everything before touching any output, so a failure leaves them as they were.
        let dualCount = grid.components * grid.count
        let ownDual: AlignedBuffer<S>? = dual == nil ? try AlignedBuffer(count: dualCount) : nil
        guard let q = dual ?? ownDual?.pointer else { throw InverseKitError(.internalError, "no dual storage") }
        if S.self == Double.self && TVMixedPrecision<N>.pays(options, grid),
           let doubleWorkspace = workspace as? TVWorkspace<Double> {
            let raw = { (p: UnsafeMutablePointer<S>) in UnsafeMutableRawPointer(p).assumingMemoryBound(to: Double.self) }
            let mixed = try TVMixedPrecision<N>(grid: grid, y: UnsafeRawPointer(y).assumingMemoryBound(to: Double.self),
                                                weights: weights.map(raw), q: raw(q), x: raw(x), options: options,
                                                warmStart: warmStart, keepsDual: dual != nil,
                                                workspace: doubleWorkspace)
            if !warmStart { q.update(repeating: 0, count: dualCount) }
            return mixed.solve()
        }
        let solver = try TVSolver<S, N>(grid: grid, y: y, weights: weights, q: q, x: x, options: options,
                                        warmStart: warmStart, keepsDual: dual != nil, workspace: workspace)
        if !warmStart { q.update(repeating: 0, count: dualCount) }
        return solver.solve()
    }

    private static func evaluate<S: LaneScalar>(
        _: S.Type, _ x: UnsafeRawPointer, _ weights: UnsafeRawPointer?, _ grid: TVGrid, _ norm: TVNorm,
        _ workspace: AnyObject?
    ) throws -> Double {
        let xS = UnsafeMutableRawPointer(mutating: x).assumingMemoryBound(to: S.self)
        let wS = weights.map { UnsafeMutableRawPointer(mutating: $0).assumingMemoryBound(to: S.self) }
        let ones = try (workspace as? TVWorkspace<S>)?.onesRow ?? AlignedBuffer<S>(repeating: 1, count: grid.n2)
        switch norm {
        case .isotropic:
            return TVValue<S, IsotropicNorm>.slabValue(x: xS, grid: grid, weights: wS, ones: ones.pointer, slab: 0..<grid.n0)
        case .anisotropic:
            return TVValue<S, AnisotropicNorm>.slabValue(x: xS, grid: grid, weights: wS, ones: ones.pointer, slab: 0..<grid.n0)
        }
    }

    // MARK: Checks

    private static func checkCount(_ got: Int, _ expected: Int, _ name: String) throws {
        guard got == expected else {
            throw InverseKitError(.shape, "Invalid \(name): expected \(expected) elements, got \(got)")
        }
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    private static func checkNonNegative<T: BinaryFloatingPoint>(_ values: UnsafeBufferPointer<T>, _ name: String) throws {
        if let bad = values.firstIndex(where: { $0 < 0 }) {
            throw InverseKitError(.invalidArgument, "Invalid \(name): must be >= 0, element \(bad) is \(values[bad])")
        }
    }

    // Specialised: reached from the generic public entry points, a generic scan costs more than the
    // solve's first iterations on large images.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    private static func checkFinite<T: BinaryFloatingPoint>(_ values: UnsafeBufferPointer<T>, _ name: String) throws {
        // A NaN or infinity poisons a running sum, so one pass over the sum finds any.
        var sum: T = 0
        for v in values { sum += v * 0 }
        guard sum.isFinite else {
            let bad = values.firstIndex(where: { !$0.isFinite }) ?? 0
            throw InverseKitError(.notFinite, "Invalid \(name): element \(bad) is \(values[bad]), expected finite values")
        }
    }

    private static func checkDisjoint<T>(_ a: UnsafeMutableBufferPointer<T>, from b: UnsafeRawBufferPointer,
                                         _ nameA: String, _ nameB: String) throws {
        let ra = UnsafeRawBufferPointer(a)
        guard let pa = ra.baseAddress, let pb = b.baseAddress, ra.count > 0, b.count > 0 else { return }
        if pa < pb + b.count && pb < pa + ra.count {
            throw InverseKitError(.layout, "Invalid \(nameA): overlaps \(nameB)")
        }
    }
}
