/// What both TV methods hold: the problem (lambda and the box also as kernel scalars), the iterates,
/// the size of the thread team, constant rows for the kernels' boundary cases, per-thread partial
/// sums and the statistics of the solve.
class TVSolverCore<T: LaneScalar> {
    let grid: TVGrid
    let y: UnsafePointer<T>
    let weights: UnsafeMutablePointer<T>?
    let options: TVOptions
    let lambda: T
    let lower: T
    let upper: T
    /// The dual (components, n0, n1, n2).
    let q: UnsafeMutablePointer<T>
    /// The answer.
    let x: UnsafeMutablePointer<T>
    let teamSize: Int
    /// A row of zeros (the missing dual row before the first) and one of ones (absent weights).
    let zeroRow: AlignedBuffer<T>
    let onesRow: AlignedBuffer<T>
    /// Per-thread partial sums, one cache line each.
    let partials: AlignedBuffer<Double>
    static var partialStride: Int { 8 }
    var info = TVInfo()

    /// `x` may not overlap `y`, `q` or the weights.
    init(grid: TVGrid, y: UnsafePointer<T>, weights: UnsafeMutablePointer<T>?, q: UnsafeMutablePointer<T>,
         x: UnsafeMutablePointer<T>, options: TVOptions) throws {
        self.grid = grid
        self.y = y
        self.weights = weights
        self.options = options
        lambda = T(options.lambda)
        lower = T(options.lower)
        upper = T(options.upper)
        self.q = q
        self.x = x
        teamSize = grid.teamSize(threads: options.threads)
        zeroRow = try AlignedBuffer(repeating: 0, count: grid.n2)
        onesRow = try AlignedBuffer(repeating: 1, count: grid.n2)
        partials = try AlignedBuffer(repeating: 0, count: teamSize * Self.partialStride)
    }

    /// Thread `rank`'s partial sums.
    func partialSums(rank: Int) -> UnsafeMutablePointer<Double> { partials.pointer + rank * Self.partialStride }

    /// The relative gap (primal - dual) / primal (0 for no gap) of a certificate, which thread 0
    /// records in `info` with `iteration`.
    func record(primal: Double, dual: Double, iteration: Int, rank: Int) -> Double {
        let gap = max(primal - dual, 0)
        let relative = gap > 0 ? gap / max(primal, Double.leastNormalMagnitude) : 0
        if rank == 0 {
            info.iterations = iteration
            info.primal = primal
            info.dual = dual
            info.gap = gap
            info.relativeGap = relative
            info.converged = relative <= options.tolerance
        }
        return relative
    }

    /// The sum over the team of one slot of the partial sums.
    func total(_ slot: Int, _ team: ThreadTeam) -> Double {
        (0..<team.size).reduce(0.0) { $0 + partials.pointer[$1 * Self.partialStride + slot] }
    }
}
