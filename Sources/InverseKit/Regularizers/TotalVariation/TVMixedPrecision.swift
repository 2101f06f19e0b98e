/// Double-precision TV problems solved mostly in single precision: the iterations run in Float
/// (half the memory traffic, twice the SIMD lanes) until their own certificate reaches half the
/// tolerance; the dual is then converted and certified in Double, which continues iterating only
/// if the Double gap is still above the tolerance. The answer and its certificate are Double.
final class TVMixedPrecision<N: TVPixelNorm> {
    /// Worth it when Float can certify the tolerance comfortably (its gap bottoms out around 1e-6)
    /// and the problem is large enough for memory traffic to matter.
    static func pays(_ options: TVOptions, _ grid: TVGrid) -> Bool {
        options.tolerance >= 5e-5 && grid.count >= 1 << 16
    }

    private let grid: TVGrid
    private let y: UnsafePointer<Double>
    private let weights: UnsafeMutablePointer<Double>?
    private let q: UnsafeMutablePointer<Double>
    private let x: UnsafeMutablePointer<Double>
    private let yF: AlignedBuffer<Float>
    private let wF: AlignedBuffer<Float>?
    private let qF: AlignedBuffer<Float>
    private let xF: AlignedBuffer<Float>

    /// The tolerance of the single-precision phase.
    static func singleTolerance(_ options: TVOptions) -> Double { options.tolerance * 0.9 }
    private let single: TVSolver<Float, N>
    private let double: TVDualSolver<Double, N>
    private let warmStart: Bool

    /// `workspace` holds the single-precision copies (`TVWorkspace.single`).
    init(grid: TVGrid, y: UnsafePointer<Double>, weights: UnsafeMutablePointer<Double>?, q: UnsafeMutablePointer<Double>,
         x: UnsafeMutablePointer<Double>, options: TVOptions, warmStart: Bool, keepsDual: Bool,
         workspace: TVWorkspace<Double>) throws {
        guard let single = workspace.single, (single.weights != nil) == (weights != nil) else {
            throw InverseKitError(.internalError, "TV workspace has no single-precision part for this problem")
        }
        self.grid = grid
        self.warmStart = warmStart
        self.y = y
        self.weights = weights
        self.q = q
        self.x = x
        yF = single.y
        wF = single.weights
        qF = single.q
        xF = single.x
        var coarse = options
        coarse.tolerance = Self.singleTolerance(options)
        self.single = try TVSolver<Float, N>(grid: grid, y: yF.pointer, weights: wF?.pointer, q: qF.pointer,
                                             x: xF.pointer, options: coarse, warmStart: warmStart, keepsDual: keepsDual,
                                             workspace: single.workspace)
        double = try TVDualSolver<Double, N>(grid: grid, y: y, weights: weights, q: q, x: x, options: options,
                                             workspace: workspace)
    }

    /// `q` holds the starting dual (zeros for a cold start).
    func solve() -> TVInfo {
        let n = grid.count, dualCount = grid.components * n
        for i in 0..<n { yF.pointer[i] = Float(y[i]) }
        if let weights, let wF { for i in 0..<n { wF.pointer[i] = Float(weights[i]) } }
        for i in 0..<dualCount { qF.pointer[i] = Float(q[i]) }
        let first = single.solve()
        for i in 0..<dualCount { q[i] = Double(qF.pointer[i]) }
        // Float's answer is a primal candidate in Double too, clipped to the caller's box (the Float
        // box is rounded into itself, so this only guards against a widened bound).
        let lower = double.options.lower, upper = double.options.upper
        for i in 0..<n { x[i] = Swift.min(Swift.max(Double(xF.pointer[i]), lower), upper) }
        let remaining = double.options.maxIterations - first.iterations
        var info = double.solve(warmStart: true, budget: max(1, remaining), candidate: x)
        info.iterations += first.iterations
        return info
    }
}
