/// One TV solve: picks the method and runs it. 2-D cold starts with a tolerance whose dual the
/// caller does not keep go to the primal-dual method (fewer iterations), continued by the
/// accelerated dual method if it stalls; everything else (volumes, warm starts, kept duals, fixed
/// iteration counts) goes to the dual method.
final class TVSolver<T: LaneScalar, N: TVPixelNorm> {
    private let primalDual: TVPrimalDualSolver<T, N>?
    private let dual: TVDualSolver<T, N>
    private let x: UnsafeMutablePointer<T>
    private let options: TVOptions
    private let warmStart: Bool

    /// Allocates both methods' storage up front, so nothing is written before every allocation
    /// succeeded. `q` and `x` as for `TVDualSolver`; `keepsDual` says the caller reads q afterwards.
    init(grid: TVGrid, y: UnsafePointer<T>, weights: UnsafeMutablePointer<T>?, q: UnsafeMutablePointer<T>,
         x: UnsafeMutablePointer<T>, options: TVOptions, warmStart: Bool, keepsDual: Bool,
         workspace: TVWorkspace<T>) throws {
        self.x = x
        self.options = options
        self.warmStart = warmStart
        dual = try TVDualSolver(grid: grid, y: y, weights: weights, q: q, x: x, options: options,
                                workspace: workspace)
        primalDual = TVPrimalDualSolver<T, N>.applies(grid: grid, options: options, warmStart: warmStart,
                                                      keepsDual: keepsDual)
            ? try TVPrimalDualSolver(grid: grid, y: y, weights: weights, q: q, x: x, options: options,
                                     workspace: workspace)
            : nil
    }

    /// As `TVDualSolver.solve`; `q` holds zeros unless the solver was made for a warm start.
    func solve(budget: Int? = nil) -> TVInfo {
        guard let primalDual else { return dual.solve(warmStart: warmStart, budget: budget) }
        let limit = max(1, min(budget ?? options.maxIterations, options.maxIterations))
        let (first, stalled) = primalDual.solve(budget: limit)
        guard stalled, first.iterations < limit else { return first }
        // The stalled run's dual is feasible and its x a good primal point: continue from both.
        var info = dual.solve(warmStart: true, budget: limit - first.iterations, candidate: x)
        info.iterations += first.iterations
        return info
    }
}
