/// What both TV methods hold: the problem (lambda and the box also as kernel scalars), the iterates,
/// the size of the thread team, constant rows for the kernels' boundary cases, per-thread partial
/// sums and the statistics of the solve.
class TVSolverCore<T: LaneScalar> {
    let grid: TVGrid
    let y: UnsafePointer<T>
    let weights: UnsafeMutablePointer<T>?
    let options: TVOptions
    let lambda: T
    /// The box in T, rounded into itself (x in T then meets the caller's bounds exactly).
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

    /// `x` may not overlap `y`, `q` or the weights. `workspace` was made for this grid and options.
    init(grid: TVGrid, y: UnsafePointer<T>, weights: UnsafeMutablePointer<T>?, q: UnsafeMutablePointer<T>,
         x: UnsafeMutablePointer<T>, options: TVOptions, workspace: TVWorkspace<T>) throws {
        self.grid = grid
        self.y = y
        self.weights = weights
        self.options = options
        lambda = T(options.lambda)
        (lower, upper) = try Self.box(options)
        self.q = q
        self.x = x
        teamSize = workspace.teamSize
        zeroRow = workspace.zeroRow
        onesRow = workspace.onesRow
        partials = workspace.partials
        partials.pointer.update(repeating: 0, count: partials.count)
    }

    /// The caller's box in T: the lower bound rounded up, the upper one down, so that clipping in T
    /// keeps x within the caller's (Double) bounds. Throws when no value of T lies in the box.
    static func box(_ options: TVOptions) throws -> (T, T) {
        var lo = T(options.lower), hi = T(options.upper)
        if Double(lo) < options.lower { lo = lo.nextUp }
        if Double(hi) > options.upper { hi = hi.nextDown }
        guard lo <= hi, lo < .infinity, hi > -.infinity else {
            throw InverseKitError(.invalidArgument,
                                  "Invalid lower, upper: the box [\(options.lower), \(options.upper)] holds no \(T.self == Float.self ? "float32" : "float64") value")
        }
        return (lo, hi)
    }

    /// Thread `rank`'s partial sums.
    func partialSums(rank: Int) -> UnsafeMutablePointer<Double> { partials.pointer + rank * Self.partialStride }

    /// Records a certificate (thread 0 writes `info`, with `iteration`) and returns its relative
    /// gap. `dual` is D(q) and `ratio` the largest |q_i|_* / (lambda w_i): a dual a few rounding
    /// units outside its ball still bounds min P, by D(q) / ratio (D(q) <= L(x*, q) <= ratio P*).
    /// The relative gap divides by that bound, not by P(x), so that it bounds (P(x) - P*) / P*.
    func record(primal: Double, dual: Double, ratio: Double, iteration: Int, rank: Int) -> Double {
        let bound = ratio > 1 ? dual / ratio : dual
        let gap = max(primal - bound, 0)
        let relative = gap == 0 ? 0 : bound > 0 ? gap / bound : .infinity
        if rank == 0 {
            info.iterations = iteration
            info.primal = primal
            info.dual = bound
            info.gap = gap
            info.relativeGap = relative
            info.converged = relative <= options.tolerance
        }
        return relative
    }

    /// The row box of the certificate's dual: the caller's bounds.
    var exactBox: (lower: Double, upper: Double) { (options.lower, options.upper) }

    /// The largest value of one slot over the team.
    func largest(_ slot: Int, _ team: ThreadTeam) -> Double {
        (0..<team.size).reduce(0.0) { max($0, partials.pointer[$1 * Self.partialStride + slot]) }
    }

    /// The sum over the team of one slot of the partial sums.
    func total(_ slot: Int, _ team: ThreadTeam) -> Double {
        (0..<team.size).reduce(0.0) { $0 + partials.pointer[$1 * Self.partialStride + slot] }
    }
}
