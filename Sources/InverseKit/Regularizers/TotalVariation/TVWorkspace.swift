/// Everything a TV solve needs besides the caller's arrays, sized for one grid and thread count:
/// the solvers' rows, planes and partial sums, and for a double-precision problem that runs mostly
/// in single precision, the single-precision copies and their own workspace. `TVProx` makes one at
/// creation and lends it to every solve, so applying the prox allocates nothing; a one-off
/// `TotalVariation.denoise` makes one per call.
final class TVWorkspace<T: LaneScalar> {
    let teamSize: Int
    /// A row of zeros (the missing dual row before the first) and one of ones (absent weights).
    let zeroRow: AlignedBuffer<T>
    let onesRow: AlignedBuffer<T>
    /// Per-thread partial sums, `TVSolverCore.partialStride` each.
    let partials: AlignedBuffer<Double>
    /// The dual method's extrapolated dual (the dual's shape) and per-thread planes.
    let extrapolated: AlignedBuffer<T>
    let firstPlanes: AlignedBuffer<T>
    let ringPlanes: AlignedBuffer<T>
    let pairPlanes: AlignedBuffer<T>
    /// The running primal average (solves with a tolerance).
    let average: AlignedBuffer<T>?
    /// The primal-dual method's per-thread rows (2-D).
    let scratchRows: AlignedBuffer<T>
    /// Single-precision copies of y, the weights, the dual and x, and their workspace (double
    /// problems for which `TVMixedPrecision.pays`).
    let single: (y: AlignedBuffer<Float>, weights: AlignedBuffer<Float>?, q: AlignedBuffer<Float>,
                 x: AlignedBuffer<Float>, workspace: TVWorkspace<Float>)?

    static var pairPlanesPerThread: Int { 5 }

    init(grid: TVGrid, options: TVOptions, weighted: Bool) throws {
        let team = grid.teamSize(threads: options.threads)
        teamSize = team
        zeroRow = try AlignedBuffer(repeating: 0, count: grid.n2)
        onesRow = try AlignedBuffer(repeating: 1, count: grid.n2)
        partials = try AlignedBuffer(repeating: 0, count: team * TVSolverCore<T>.partialStride)
        extrapolated = try AlignedBuffer(count: grid.components * grid.count)
        firstPlanes = try AlignedBuffer(count: team * grid.plane)
        ringPlanes = try AlignedBuffer(count: team * 2 * grid.plane)
        pairPlanes = try AlignedBuffer(count: team * Self.pairPlanesPerThread * grid.plane)
        average = options.tolerance > 0 ? try AlignedBuffer(count: grid.count) : nil
        scratchRows = try AlignedBuffer(count: grid.hasMiddle ? 1 : team * grid.n2)
        if T.self == Double.self && TVMixedPrecision<IsotropicNorm>.pays(options, grid) {
            let n = grid.count
            var coarse = options
            coarse.tolerance = TVMixedPrecision<IsotropicNorm>.singleTolerance(options)
            single = (try AlignedBuffer(count: n), weighted ? try AlignedBuffer(count: n) : nil,
                      try AlignedBuffer(count: grid.components * n), try AlignedBuffer(count: n),
                      try TVWorkspace<Float>(grid: grid, options: coarse, weighted: weighted))
        } else {
            single = nil
        }
        WorkerPool.shared.reserve(members: team)
    }
}
