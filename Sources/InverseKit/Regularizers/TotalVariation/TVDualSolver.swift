#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Slots of a thread's partial sums in `TVDualSolver`.
private enum Slot {
    static let restart = 0, fidelity = 1, dual = 2, tv = 3, averageFidelity = 4, averageTV = 5
    static let secondRestart = 6 // of the second iteration of a pair
    static let ratio = 7 // the dual's largest |q_i|_* / (lambda w_i), reduced by maximum
}

/// Accelerated projected gradient on the dual of
///     min_{lower <= x <= upper} 0.5 ||x - y||^2 + lambda sum_i w_i |(D x)_i|
/// (Beck and Teboulle's FGP, with O'Donoghue and Candes' gradient restart), stopped by the duality
/// gap. The dual q has |q_i| <= lambda w_i and the primal iterate is x(q) = clip(y + div q).
///
/// Work is split along axis 0 into one slab of planes per thread. An iteration is two phases:
///   0. each thread computes x(r) on the first plane of its slab (its neighbour above needs it);
///   1. each thread sweeps its slab plane by plane, computing x(r) one plane ahead into a two-plane
///      ring and taking the dual step on the plane behind it, so x never goes to memory.
/// Iterations normally run in pairs that share one pass over memory (see "Pairs of iterations").
/// The duality gap is evaluated at multiples of `checkInterval` (skipping those its trend says
/// cannot succeed) in two more phases.
///
/// The primal side of the certificate has two candidates: x(q), and a running average of the
/// primal points x(r) the iterations compute anyway, weighted by the squared momentum t_k^2 (after
/// Tseng's primal averaging for accelerated dual methods) and restarted with the momentum. The dual
/// converges much faster than x(q); on the ROF benchmark the average reaches a given objective gap in
/// about two thirds of the iterations x(q) needs. The certificate takes the better candidate, and
/// so does the answer.
final class TVDualSolver<T: LaneScalar, N: TVPixelNorm>: TVSolverCore<T> {
    // The dual iterate is q; r the extrapolated point, of q's shape. x receives x(q) at every gap
    // evaluation (or the average, when it wins).
    private let rStorage: AlignedBuffer<T>
    private var r: UnsafeMutablePointer<T> { rStorage.pointer }
    /// The weighted average of the primal iterates (allocated when the gap is checked).
    private let averageStorage: AlignedBuffer<T>?
    /// Whether the first certificate also considers a candidate given to `solve`.
    private var hasCandidate = false

    // Per thread: first plane of its slab (read by the thread above), two ring planes.
    private let firstPlanes: AlignedBuffer<T>
    private let ringPlanes: AlignedBuffer<T>
    // Per thread, for pairs of iterations: x_B on the slab's first plane (read by the thread above),
    // a two-plane ring, and x_B saved on the slab's second and last planes.
    private let pairPlanes: AlignedBuffer<T>
    private static var pairPlanesPerThread: Int { TVWorkspace<T>.pairPlanesPerThread }

    /// `q` must hold the starting dual (zeros for a cold start; a warm start is projected onto the
    /// dual ball first). `x` may not overlap `y`, `q` or the weights.
    override init(grid: TVGrid, y: UnsafePointer<T>, weights: UnsafeMutablePointer<T>?, q: UnsafeMutablePointer<T>,
                  x: UnsafeMutablePointer<T>, options: TVOptions, workspace: TVWorkspace<T>) throws {
        rStorage = workspace.extrapolated
        firstPlanes = workspace.firstPlanes
        ringPlanes = workspace.ringPlanes
        pairPlanes = workspace.pairPlanes
        averageStorage = options.tolerance > 0 ? workspace.average : nil
        try super.init(grid: grid, y: y, weights: weights, q: q, x: x, options: options, workspace: workspace)
    }

    // MARK: Addressing

    @inline(__always) private func component(_ base: UnsafeMutablePointer<T>, _ c: Int) -> UnsafeMutablePointer<T> {
        base + c * grid.count
    }

    @inline(__always) private func rowOffset(plane i: Int, row j: Int) -> Int { i * grid.plane + j * grid.n2 }

    /// The dual components meeting at row j of plane i, for p = q or r.
    @inline(__always)
    private func dualRows(_ p: UnsafeMutablePointer<T>, plane i: Int, row j: Int) -> TVRowKernels<T>.DualRows {
        let offset = rowOffset(plane: i, row: j)
        let axis0 = component(p, 0) + offset
        let last = component(p, grid.components - 1) + offset
        var rows = TVRowKernels<T>.DualRows(
            axis0: axis0, axis0Previous: i > 0 ? axis0 - grid.plane : zeroRow.pointer,
            middle: nil, middlePrevious: nil, last: last)
        if grid.hasMiddle {
            let mid = component(p, 1) + offset
            rows.middle = mid
            rows.middlePrevious = j > 0 ? mid - grid.n2 : zeroRow.pointer
        }
        return rows
    }

    @inline(__always) private func weightRow(plane i: Int, row j: Int) -> UnsafeMutablePointer<T> {
        if let weights { return weights + rowOffset(plane: i, row: j) }
        return onesRow.pointer
    }

    // MARK: Setup

    /// Zeroes the dual components that sit on the Neumann boundary (no difference there) and
    /// projects the rest onto the dual ball, so any warm start is feasible.
    private func makeFeasible() {
        let n0 = grid.n0, n1 = grid.n1, n2 = grid.n2
        for i in 0..<n0 {
            for j in 0..<n1 {
                let offset = rowOffset(plane: i, row: j)
                let a = component(q, 0) + offset
                let l = component(q, grid.components - 1) + offset
                let w = weightRow(plane: i, row: j)
                if i == n0 - 1 { a.update(repeating: 0, count: n2) }
                l[n2 - 1] = 0
                if grid.hasMiddle {
                    let m = component(q, 1) + offset
                    if j == n1 - 1 { m.update(repeating: 0, count: n2) }
                    for k in 0..<n2 { N.project(&a[k], &m[k], &l[k], bound: lambda * w[k]) }
                } else {
                    for k in 0..<n2 { N.project(&a[k], &l[k], bound: lambda * w[k]) }
                }
            }
        }
    }

    // MARK: Solve

    /// Iterations this solve may take (options.maxIterations unless `solve` is given a budget).
    private var iterationLimit = 0

    /// `candidate`, when given, is a primal point the first certificate of a warm start also
    /// considers (the answer of a previous solve, say); it is copied before anything is written, so
    /// it may be `x` itself.
    func solve(warmStart: Bool, budget: Int? = nil, candidate: UnsafePointer<T>? = nil) -> TVInfo {
        iterationLimit = max(1, min(budget ?? options.maxIterations, options.maxIterations))
        hasCandidate = false
        if let candidate, let average = averageStorage?.pointer {
            average.update(from: candidate, count: grid.count)
            hasCandidate = true
        }
        // A cold start's zero dual is feasible already.
        if warmStart { makeFeasible() }
        r.update(from: q, count: grid.components * grid.count)
        let team = teamSize
        ThreadTeam.run(size: team) { rank, team in self.member(rank: rank, team: team, warmStart: warmStart) }
        info.threads = team
        return info
    }

    private func member(rank: Int, team: ThreadTeam, warmStart: Bool) {
        let slab = partitionRange(count: grid.n0, parts: team.size, rank: rank)
        let checks = options.tolerance > 0
        var momentum = 1.0
        var iteration = 0
        // Right after a restart the step is taken from q, discarding the extrapolation in r.
        var base = q
        let interval = options.checkInterval
        var nextCheck = interval
        if warmStart && checks {
            let verdict = certify(rank: rank, team: team, slab: slab, iteration: 0, averaged: hasCandidate)
            if verdict.stop { return }
        }
        // A candidate given to `solve` only takes part in the first certificate: the first
        // iteration's share is 1.
        var weightSum = 0.0
        while iteration < iterationLimit {
            let due = checks ? min(iterationLimit, nextCheck) : iterationLimit
            let pair = iteration + 2 <= due
            // The next one or two iterations' extrapolation weights and shares of the average.
            var betas: (T, T) = (0, 0), shares: (T, T) = (0, 0)
            for step in 0..<(pair ? 2 : 1) {
                let next = (1 + (1 + 4 * momentum * momentum).squareRoot()) / 2
                let weight = momentum * momentum
                weightSum += weight
                let beta = T((momentum - 1) / next), share = T(weight / weightSum)
                if step == 0 { betas.0 = beta; shares.0 = share } else { betas.1 = beta; shares.1 = share }
                momentum = next
            }
            iteration += pair ? 2 : 1

            computeFirstPlane(rank: rank, slab: slab, base: base)
            team.barrier()
            let mine = partialSums(rank: rank)
            if pair {
                let (first, inner) = pairSweep(rank: rank, slab: slab, base: base, betas: betas, shares: shares)
                team.barrier()
                computeFirstPlaneOfSecond(rank: rank, slab: slab)
                team.barrier()
                mine[Slot.restart] = Double(first)
                mine[Slot.secondRestart] = Double(inner + pairFinish(rank: rank, slab: slab, beta: betas.1,
                                                                     share: shares.1))
            } else {
                mine[Slot.restart] = Double(sweep(rank: rank, slab: slab, base: base, beta: betas.0, share: shares.0))
                mine[Slot.secondRestart] = 0
            }
            team.barrier()
            let first = total(Slot.restart, team), second = total(Slot.secondRestart, team)
            if first < 0 || second < 0 {
                momentum = 1
                base = q
                weightSum = 0
            } else {
                base = r
            }

            if iteration == due {
                let verdict = certify(rank: rank, team: team, slab: slab, iteration: iteration, averaged: weightSum > 0)
                if verdict.stop { return }
                nextCheck = Self.nextCheck(after: iteration, relativeGap: verdict.relativeGap,
                                           tolerance: options.tolerance, interval: interval)
            }
        }
    }

    /// The next iteration to evaluate the gap at, a multiple of `interval` after `iteration`. The gap
    /// shrinks roughly like 1/k^2, so a gap g at iteration k predicts the tolerance near
    /// k sqrt(g / tolerance); evaluations well before that are skipped, at most three in a row.
    static func nextCheck(after iteration: Int, relativeGap: Double, tolerance: Double, interval: Int) -> Int {
        let aligned = iteration - iteration % interval
        guard tolerance > 0, relativeGap.isFinite, relativeGap > tolerance, iteration > 0 else {
            return aligned + interval
        }
        let predicted = 0.85 * Double(iteration) * (relativeGap / tolerance).squareRoot()
        let skip = min(4.0, max(1.0, ((predicted - Double(aligned)) / Double(interval)).rounded(.down)))
        return aligned + Int(skip) * interval
    }

    private func firstPlane(rank: Int) -> UnsafeMutablePointer<T> { firstPlanes.pointer + rank * grid.plane }

    private func computeFirstPlane(rank: Int, slab: Range<Int>, base: UnsafeMutablePointer<T>) {
        guard let i = slab.first else { return }
        computePrimalPlane(i, from: base, into: firstPlane(rank: rank))
    }

    private func computePrimalPlane(_ i: Int, from p: UnsafeMutablePointer<T>, into out: UnsafeMutablePointer<T>) {
        for j in 0..<grid.n1 {
            TVRowKernels<T>.primalRow(y: UnsafeMutablePointer(mutating: y) + rowOffset(plane: i, row: j),
                                      dual: dualRows(p, plane: i, row: j), count: grid.n2,
                                      lower: lower, upper: upper, into: out + j * grid.n2)
        }
    }

    /// One thread's walk over its slab for one iteration: x(base) one plane ahead in a two-plane
    /// ring (the slab's first plane was computed in phase 0, the next slab's first plane by the
    /// thread below), the dual step on the plane behind it.
    private struct Pipeline {
        let ring: UnsafeMutablePointer<T>
        var current: UnsafeMutablePointer<T>
        var target: UnsafeMutablePointer<T>
    }

    private func pipeline(rank: Int) -> Pipeline {
        let ring = ringPlanes.pointer + rank * 2 * grid.plane
        return Pipeline(ring: ring, current: firstPlane(rank: rank), target: ring)
    }

    /// Plane i of the walk. Returns its restart sum.
    private func advance(_ p: inout Pipeline, plane i: Int, rank: Int, slab: Range<Int>, base: UnsafeMutablePointer<T>,
                         beta: T, share: T) -> T {
        let next: UnsafeMutablePointer<T>
        if i + 1 < slab.upperBound {
            computePrimalPlane(i + 1, from: base, into: p.target)
            next = p.target
        } else if i + 1 < grid.n0 {
            next = firstPlane(rank: rank + 1)
        } else {
            next = p.current // last plane: zero difference along axis 0
        }
        let restart = dualPlane(i, current: p.current, next: next, base: base, beta: beta, share: share)
        if next == p.target {
            p.current = p.target
            p.target = p.target == p.ring ? p.ring + grid.plane : p.ring
        }
        return restart
    }

    /// Phase 1: the fused pipeline over this thread's slab.
    private func sweep(rank: Int, slab: Range<Int>, base: UnsafeMutablePointer<T>, beta: T, share: T) -> T {
        var walk = pipeline(rank: rank)
        var restart: T = 0
        for i in slab { restart += advance(&walk, plane: i, rank: rank, slab: slab, base: base, beta: beta, share: share) }
        return restart
    }

    /// The dual step on plane i from x(base) on planes i and i + 1, and plane i's share of the
    /// average. Reads and writes q, r and the average on plane i only.
    private func dualPlane(_ i: Int, current: UnsafeMutablePointer<T>, next: UnsafeMutablePointer<T>,
                           base: UnsafeMutablePointer<T>, beta: T, share: T) -> T {
        let n1 = grid.n1, n2 = grid.n2
        var restart: T = 0
        let q0 = component(q, 0), qLast = component(q, grid.components - 1)
        let r0 = component(r, 0), rLast = component(r, grid.components - 1)
        let b0 = component(base, 0), bLast = component(base, grid.components - 1)
        let qMid: UnsafeMutablePointer<T>? = grid.hasMiddle ? component(q, 1) : nil
        let rMid: UnsafeMutablePointer<T>? = grid.hasMiddle ? component(r, 1) : nil
        let bMid: UnsafeMutablePointer<T>? = grid.hasMiddle ? component(base, 1) : nil
        for j in 0..<n1 {
            let offset = rowOffset(plane: i, row: j)
            let xRow = current + j * n2
            let nextRow: UnsafeMutablePointer<T>? = grid.hasMiddle ? (j + 1 < n1 ? xRow + n2 : xRow) : nil
            restart += TVRowKernels<T>.dualStepRow(
                N.self, xRow: xRow, nextPlane: next + j * n2, nextRow: nextRow,
                q0: q0 + offset, qMid: qMid.map { $0 + offset }, qLast: qLast + offset,
                b0: b0 + offset, bMid: bMid.map { $0 + offset }, bLast: bLast + offset,
                r0: r0 + offset, rMid: rMid.map { $0 + offset }, rLast: rLast + offset,
                weights: weightRow(plane: i, row: j), weighted: weights != nil, lambda: lambda, tau: tau(),
                beta: beta, count: n2)
            if let average = averageStorage?.pointer {
                TVRowKernels<T>.averageRow(xRow, into: average + offset, share: share, count: n2)
            }
        }
        return restart
    }

    // MARK: Pairs of iterations
    //
    // Two iterations A and B share one pass over memory: B trails A by one plane, so the planes A
    // has just written are still in cache when B reads them. B's base point is A's extrapolation r
    // (the restart test of A is applied after the pair, with B's). Within a slab, B's primal plane
    // i needs r_A on planes i and i - 1, so on the slab's first plane it needs the thread above to
    // have finished A; that plane, and the last one (whose successor belongs to the thread below),
    // are stepped after two barriers:
    //   1. A over the slab; x_B and B's step on the inner planes (x_B on the second and last planes
    //      is saved, since B's own steps overwrite the r_A it comes from);
    //   2. x_B on the first plane (r_A there and on the plane above are still untouched);
    //   3. B's steps on the first and last planes.

    private func pairPlane(_ rank: Int, _ slot: Int) -> UnsafeMutablePointer<T> {
        pairPlanes.pointer + (rank * Self.pairPlanesPerThread + slot) * grid.plane
    }

    /// Phase 1 of a pair. Returns A's restart sum and B's over the inner planes.
    private func pairSweep(rank: Int, slab: Range<Int>, base: UnsafeMutablePointer<T>, betas: (T, T),
                           shares: (T, T)) -> (T, T) {
        let plane = grid.plane
        let ringB = pairPlane(rank, 1), savedSecond = pairPlane(rank, 3), savedLast = pairPlane(rank, 4)
        var walkA = pipeline(rank: rank)
        var targetB = ringB
        var currentB: UnsafeMutablePointer<T>? = nil
        var restartA: T = 0, restartB: T = 0
        let first = slab.lowerBound, end = slab.upperBound
        for i in slab {
            restartA += advance(&walkA, plane: i, rank: rank, slab: slab, base: base, beta: betas.0, share: shares.0)
            guard i > first else { continue }
            computePrimalPlane(i, from: r, into: targetB)
            if i == first + 1 { savedSecond.update(from: targetB, count: plane) }
            if i == end - 1 { savedLast.update(from: targetB, count: plane) }
            if let previous = currentB {
                restartB += dualPlane(i - 1, current: previous, next: targetB, base: r, beta: betas.1, share: shares.1)
            }
            currentB = targetB
            targetB = targetB == ringB ? ringB + plane : ringB
        }
        return (restartA, restartB)
    }

    /// Phase 2 of a pair: x_B on the slab's first plane.
    private func computeFirstPlaneOfSecond(rank: Int, slab: Range<Int>) {
        guard let i = slab.first else { return }
        computePrimalPlane(i, from: r, into: pairPlane(rank, 0))
    }

    /// Phase 3 of a pair: B's steps on the slab's first and last planes. Returns their restart sum.
    private func pairFinish(rank: Int, slab: Range<Int>, beta: T, share: T) -> T {
        guard let first = slab.first, let last = slab.last else { return 0 }
        let below: UnsafeMutablePointer<T>? = slab.upperBound < grid.n0 ? pairPlane(rank + 1, 0) : nil
        let current = pairPlane(rank, 0)
        let next = first < last ? pairPlane(rank, 3) : (below ?? current)
        var restart = dualPlane(first, current: current, next: next, base: r, beta: beta, share: share)
        if last > first {
            let saved = pairPlane(rank, 4)
            restart += dualPlane(last, current: saved, next: below ?? saved, base: r, beta: beta, share: share)
        }
        return restart
    }

    /// Dual step 1 / L with L = 4 * components >= ||D||^2, the Lipschitz constant of grad D.
    @inline(__always) private func tau() -> T { T(1) / T(4 * grid.components) }

    /// Evaluates x(q), P(x), D(q) and the gap (all threads take part and reach the same verdict),
    /// and P at the average when there is one. `stop` says the solve should stop; x then holds the
    /// better candidate.
    private func certify(rank: Int, team: ThreadTeam, slab: Range<Int>, iteration: Int,
                         averaged: Bool) -> (stop: Bool, relativeGap: Double) {
        let mine = partialSums(rank: rank)
        let average = averaged ? averageStorage?.pointer : nil
        // This thread's shares first, then the team's totals.
        var fidelity = 0.0, dualShare = 0.0, averageFidelity = 0.0, ratio = 0.0
        for i in slab {
            for j in 0..<grid.n1 {
                let offset = rowOffset(plane: i, row: j)
                let yRow = UnsafeMutablePointer(mutating: y) + offset
                let part = TVRowKernels<T>.certificateRow(
                    N.self, y: yRow, dual: dualRows(q, plane: i, row: j), weights: weightRow(plane: i, row: j),
                    count: grid.n2, lower: lower, upper: upper, exact: exactBox, lambda: options.lambda,
                    into: x + offset)
                fidelity += part.fidelity
                dualShare += part.dual
                ratio = max(ratio, part.ratio)
                if let average { averageFidelity += TVRowKernels<T>.fidelityRow(average + offset, yRow, count: grid.n2) }
            }
        }
        mine[Slot.fidelity] = fidelity
        mine[Slot.dual] = dualShare
        mine[Slot.averageFidelity] = averageFidelity
        mine[Slot.ratio] = ratio
        team.barrier()
        mine[Slot.tv] = TVValue<T, N>.slabValue(x: x, grid: grid, weights: weights, ones: onesRow.pointer, slab: slab)
        mine[Slot.averageTV] = average.map {
            TVValue<T, N>.slabValue(x: $0, grid: grid, weights: weights, ones: onesRow.pointer, slab: slab)
        } ?? 0
        team.barrier()
        let dual = total(Slot.dual, team)
        var primal = total(Slot.fidelity, team) + options.lambda * total(Slot.tv, team)
        let averagePrimal = total(Slot.averageFidelity, team) + options.lambda * total(Slot.averageTV, team)
        let averageWins = average != nil && averagePrimal < primal
        if averageWins { primal = averagePrimal }
        let relative = record(primal: primal, dual: dual, ratio: largest(Slot.ratio, team), iteration: iteration,
                              rank: rank)
        let stop = relative <= options.tolerance || iteration >= iterationLimit
        if stop && averageWins, let average {
            for i in slab {
                let offset = rowOffset(plane: i, row: 0)
                (x + offset).update(from: average + offset, count: grid.plane)
            }
        }
        // Keep partials stable until every thread has read them (and x is complete).
        team.barrier()
        return (stop, relative)
    }
}
