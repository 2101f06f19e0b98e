/// Slots of a thread's partial sums in `TVPrimalDualSolver`.
private enum PDSlot {
    static let fidelity = 0, tv = 1, dual = 2, ratio = 3
}

/// Primal-dual hybrid gradient for 2-D TV denoising from a cold start, with Zhu and Chan's
/// step schedule (2008): a dual step tau_k = 0.2 + 0.08 k that grows without bound and a primal
/// step theta_k = (0.5 - 5 / (15 + k)) / tau_k that shrinks, so the primal iterate becomes a
/// long running average of the points y + div q. Per iteration:
///     q <- Proj_{|q| <= lambda w}(q + tau_k D x),   x <- clip(x + theta_k (y + div q - x)).
/// On the ROF benchmark it reaches a relative gap of 1e-3 in 43 iterations and 1e-4 in 92, where
/// accelerated projected gradient on the dual (`TVDualSolver`) needs 67 and 154; in 3-D the
/// schedule is unstable, and it has no convergence proof. So it is used only for 2-D cold starts
/// with a tolerance, every gap evaluation watches it, and a run that stops improving reports a
/// stall: the caller then continues with `TVDualSolver` from this dual (always feasible) with this
/// x as a candidate. Its final dual certifies x but, unlike the dual method's, y + div q is far
/// from x, so a later warm start from it would begin with a poor primal point: it is not used
/// when the caller keeps the dual.
///
/// Work is split along axis 0 into one slab of rows per thread. An iteration is two phases:
///   1. each thread takes the dual step on each row of its slab and, right after it, the primal
///      step on that row, except on the slab's first row: the thread above still needs that row's
///      old x for its own last dual step;
///   2. the primal step on the slab's first row (it needs the new dual of the row above).
/// Iterations normally run in pairs that share one pass over memory (see "Pairs of iterations").
/// The gap is evaluated in two more phases, with the schedule of `TVDualSolver.nextCheck`.
final class TVPrimalDualSolver<T: LaneScalar, N: TVPixelNorm>: TVSolverCore<T> {
    /// Whether this method applies: a 2-D grid solved from a cold start to a tolerance (without
    /// gap evaluations there would be nothing to watch it with), the dual not kept.
    static func applies(grid: TVGrid, options: TVOptions, warmStart: Bool, keepsDual: Bool) -> Bool {
        !grid.hasMiddle && !warmStart && !keepsDual && options.tolerance > 0
    }

    // x is the primal iterate as well as the answer; q (zeros on entry) the dual iterate.
    /// Per thread, a row for the point clip(y + div q) that the dual objective evaluates.
    private let scratchRows: AlignedBuffer<T>
    private var stalled = false

    /// `q` must hold zeros. `x` may not overlap `y`, `q` or the weights.
    override init(grid: TVGrid, y: UnsafePointer<T>, weights: UnsafeMutablePointer<T>?, q: UnsafeMutablePointer<T>,
                  x: UnsafeMutablePointer<T>, options: TVOptions, workspace: TVWorkspace<T>) throws {
        scratchRows = workspace.scratchRows
        try super.init(grid: grid, y: y, weights: weights, q: q, x: x, options: options, workspace: workspace)
    }

    /// Runs at most `budget` iterations (options.maxIterations without one). `stalled` says the gap
    /// stopped improving before the tolerance was met; `info` then describes the state left in q
    /// and x, from which another method may continue.
    func solve(budget: Int? = nil) -> (info: TVInfo, stalled: Bool) {
        iterationLimit = max(1, min(budget ?? options.maxIterations, options.maxIterations))
        stalled = false
        ThreadTeam.run(size: teamSize) { rank, team in self.member(rank: rank, team: team) }
        info.threads = teamSize
        return (info, stalled)
    }

    private var iterationLimit = 0

    // MARK: Addressing (2-D: a plane is one row)

    @inline(__always) private func row(_ base: UnsafeMutablePointer<T>, _ i: Int) -> UnsafeMutablePointer<T> {
        base + i * grid.n2
    }

    @inline(__always) private func component(_ c: Int) -> UnsafeMutablePointer<T> { q + c * grid.count }

    @inline(__always) private func weightRow(_ i: Int) -> UnsafeMutablePointer<T> {
        weights.map { row($0, i) } ?? onesRow.pointer
    }

    @inline(__always) private func dualRows(_ i: Int) -> TVRowKernels<T>.DualRows {
        let axis0 = row(component(0), i)
        return TVRowKernels<T>.DualRows(axis0: axis0, axis0Previous: i > 0 ? axis0 - grid.n2 : zeroRow.pointer,
                                        middle: nil, middlePrevious: nil, last: row(component(1), i))
    }

    private var yRows: UnsafeMutablePointer<T> { UnsafeMutablePointer(mutating: y) }

    // MARK: Iterations

    private func member(rank: Int, team: ThreadTeam) {
        let slab = partitionRange(count: grid.n0, parts: team.size, rank: rank)
        let n2 = grid.n2
        // x_0 = clip(y).
        for i in slab {
            let yRow = row(yRows, i), xRow = row(x, i)
            for k in 0..<n2 { xRow[k] = Swift.min(Swift.max(yRow[k], lower), upper) }
        }
        team.barrier()
        var iteration = 0
        var nextCheck = options.checkInterval
        var best = Double.infinity
        var sinceBest = 0
        while iteration < iterationLimit, let first = slab.first, let last = slab.last {
            let due = min(iterationLimit, nextCheck)
            let a = Self.steps(iteration)
            if iteration + 2 <= due {
                let b = Self.steps(iteration + 1)
                pairSweep(slab, a, b)
                team.barrier()
                relax(first, theta: a.theta)
                team.barrier()
                ascent(first, tau: b.tau)
                if last > first {
                    ascent(last, tau: b.tau)
                    relax(last, theta: b.theta)
                }
                if first + 1 < last { relax(first + 1, theta: b.theta) }
                team.barrier()
                relax(first, theta: b.theta)
                team.barrier()
                iteration += 2
            } else {
                for i in slab {
                    ascent(i, tau: a.tau)
                    if i != first { relax(i, theta: a.theta) }
                }
                team.barrier()
                relax(first, theta: a.theta)
                team.barrier()
                iteration += 1
            }

            if iteration == due {
                let relative = certify(rank: rank, team: team, slab: slab, iteration: iteration)
                if relative <= options.tolerance || iteration >= iterationLimit { return }
                // Watch for a stall: the gap should keep falling. Climbing to twice the best seen,
                // or no new best for three evaluations, ends the run (every thread sees the same
                // totals, so all reach the same verdict).
                if relative < best {
                    best = relative
                    sinceBest = 0
                } else {
                    sinceBest += 1
                }
                if relative > 2 * best || sinceBest >= 3 {
                    if rank == 0 { stalled = true }
                    return
                }
                nextCheck = TVDualSolver<T, N>.nextCheck(after: iteration, relativeGap: relative,
                                                          tolerance: options.tolerance, interval: options.checkInterval)
            }
        }
    }

    /// Zhu and Chan's dual and primal steps of iteration k (from 0).
    private static func steps(_ k: Int) -> (tau: T, theta: T) {
        let tau = 0.2 + 0.08 * Double(k)
        return (T(tau), T((0.5 - 5 / (15 + Double(k))) / tau))
    }

    // MARK: Pairs of iterations
    //
    // Pairs of iterations A and B share one pass over memory: B trails A by one row, so it reads
    // what A has just written from cache. Within a slab, B's dual step on a row needs A's x on the
    // next row, and B's primal step needs B's dual on the row above; on the slab's first and last
    // rows these come from the neighbouring threads, so those steps wait behind barriers:
    //   1. A on every row (its primal step on the first row excepted); B's dual steps on the inner
    //      rows, and its primal steps on the rows from the third to the one before last;
    //   2. A's primal step on the first row;
    //   3. B's dual steps on the first and last rows, its primal steps on the second and last;
    //   4. B's primal step on the first row.
    // Each row's steps, and their order relative to the rows they read, are those of two single
    // iterations, so pairs give the same iterates.

    /// Phase 1 of a pair.
    private func pairSweep(_ slab: Range<Int>, _ a: (tau: T, theta: T), _ b: (tau: T, theta: T)) {
        guard let first = slab.first, let last = slab.last else { return }
        for i in slab {
            ascent(i, tau: a.tau)
            if i != first { relax(i, theta: a.theta) }
            let j = i - 1
            if j >= first + 1 && j <= last - 1 {
                ascent(j, tau: b.tau)
                if j >= first + 2 { relax(j, theta: b.theta) }
            }
        }
    }

    @inline(__always) private func ascent(_ i: Int, tau: T) {
        let xRow = row(x, i)
        TVRowKernels<T>.ascentRow(
            N.self, xRow: xRow, nextPlane: i + 1 < grid.n0 ? xRow + grid.n2 : xRow,
            q0: row(component(0), i), q1: row(component(1), i), weights: weightRow(i),
            weighted: weights != nil, lambda: lambda, tau: tau, count: grid.n2)
    }

    @inline(__always) private func relax(_ i: Int, theta: T) {
        TVRowKernels<T>.relaxRow(y: row(yRows, i), dual: dualRows(i), x: row(x, i), theta: theta,
                                 lower: lower, upper: upper, count: grid.n2)
    }

    // MARK: Certificate

    /// P(x), D(q) and the relative gap (all threads take part and get the same value); records
    /// them in `info`.
    private func certify(rank: Int, team: ThreadTeam, slab: Range<Int>, iteration: Int) -> Double {
        let mine = partialSums(rank: rank)
        let scratch = scratchRows.pointer + rank * grid.n2
        var fidelity = 0.0, dual = 0.0, ratio = 0.0
        for i in slab {
            let yRow = row(yRows, i)
            fidelity += TVRowKernels<T>.fidelityRow(row(x, i), yRow, count: grid.n2)
            let part = TVRowKernels<T>.certificateRow(N.self, y: yRow, dual: dualRows(i), weights: weightRow(i),
                                                      count: grid.n2, lower: lower, upper: upper, exact: exactBox,
                                                      lambda: options.lambda, into: scratch)
            dual += part.dual
            ratio = max(ratio, part.ratio)
        }
        mine[PDSlot.fidelity] = fidelity
        mine[PDSlot.dual] = dual
        mine[PDSlot.ratio] = ratio
        mine[PDSlot.tv] = TVValue<T, N>.slabValue(x: x, grid: grid, weights: weights, ones: onesRow.pointer, slab: slab)
        team.barrier()
        let primal = total(PDSlot.fidelity, team) + options.lambda * total(PDSlot.tv, team)
        let relative = record(primal: primal, dual: total(PDSlot.dual, team), ratio: largest(PDSlot.ratio, team),
                              iteration: iteration, rank: rank)
        // Keep the partials until every thread has read them.
        team.barrier()
        return relative
    }
}
