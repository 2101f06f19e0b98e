#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Accelerated projected gradient on the dual of
///     min_{lower <= x <= upper} 0.5 ||x - y||^2 + lambda sum_i w_i |(D x)_i|
/// (Beck and Teboulle's FGP, with O'Donoghue and Candes' gradient restart), stopped by the duality
/// gap. The dual q has |q_i| <= lambda w_i and the primal iterate is x(q) = clip(y + div q).
///
/// Work is split along axis 0 into one slab of planes per thread. An iteration is two phases:
///   0. each thread computes x(r) on the first plane of its slab (its neighbour above needs it);
///   1. each thread sweeps its slab plane by plane, computing x(r) one plane ahead into a two-plane
///      ring and taking the dual step on the plane behind it, so x never goes to memory.
/// The duality gap is evaluated every `checkInterval` iterations in two more phases.
///
/// The primal side of the certificate has two candidates: x(q), and a running average of the
/// primal points x(r) the iterations compute anyway, weighted by the squared momentum t_k^2 (after
/// Tseng's primal averaging for accelerated dual methods) and restarted with the momentum. The dual
/// converges much faster than x(q); on the ROF benchmark the average reaches a given objective gap in
/// about two thirds of the iterations x(q) needs. The certificate takes the better candidate, and
/// so does the answer.
final class TVDualSolver<T: LaneScalar, N: TVPixelNorm> {
    let grid: TVGrid
    let y: UnsafePointer<T>
    let weights: UnsafeMutablePointer<T>?
    let lambda: T
    let lower: T
    let upper: T
    let options: TVOptions

    // Dual iterate q, extrapolated point r, both (components, n0, n1, n2).
    let q: UnsafeMutablePointer<T>
    private let rStorage: AlignedBuffer<T>
    private var r: UnsafeMutablePointer<T> { rStorage.pointer }
    /// Receives x(q) at every gap evaluation; the answer.
    let x: UnsafeMutablePointer<T>
    /// The weighted average of the primal iterates (allocated when the gap is checked).
    private let averageStorage: AlignedBuffer<T>?
    /// Whether the first certificate also considers a candidate given to `solve`.
    private var hasCandidate = false

    private let zeroRow: AlignedBuffer<T>
    private let onesRow: AlignedBuffer<T>
    private let teamSize: Int
    // Per thread: first plane of its slab (read by the thread above), two ring planes.
    private let firstPlanes: AlignedBuffer<T>
    private let ringPlanes: AlignedBuffer<T>
    // Per-thread partial sums, one cache line each: restart, fidelity, dual, tv.
    private let partials: AlignedBuffer<Double>
    private static var partialStride: Int { 8 }

    private var info = TVInfo()

    /// `q` must hold the starting dual (zeros for a cold start; it is projected here). `x` may not
    /// overlap `y`, `q` or the weights.
    init(grid: TVGrid, y: UnsafePointer<T>, weights: UnsafeMutablePointer<T>?, q: UnsafeMutablePointer<T>,
         x: UnsafeMutablePointer<T>, options: TVOptions) throws {
        self.grid = grid
        self.y = y
        self.weights = weights
        self.q = q
        self.x = x
        self.options = options
        self.lambda = T(options.lambda)
        self.lower = T(options.lower)
        self.upper = T(options.upper)
        let requested = options.threads == 0 ? ThreadTeam.availableCores : options.threads
        // Below ~16k pixels per thread the barriers cost more than the split saves.
        teamSize = max(1, min(requested, grid.n0, grid.count / 16384))
        rStorage = try AlignedBuffer(count: grid.components * grid.count)
        zeroRow = try AlignedBuffer(repeating: 0, count: grid.n2)
        onesRow = try AlignedBuffer(repeating: 1, count: grid.n2)
        firstPlanes = try AlignedBuffer(count: teamSize * grid.plane)
        ringPlanes = try AlignedBuffer(count: teamSize * 2 * grid.plane)
        partials = try AlignedBuffer(repeating: 0, count: teamSize * Self.partialStride)
        averageStorage = options.tolerance > 0 ? try AlignedBuffer(count: grid.count) : nil
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
        makeFeasible()
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
        if warmStart && checks && certify(rank: rank, team: team, slab: slab, iteration: 0, averaged: hasCandidate) {
            return
        }
        // A candidate given to `solve` only takes part in the first certificate: the first
        // iteration's share is 1.
        var weightSum = 0.0
        while iteration < iterationLimit {
            iteration += 1
            let next = (1 + (1 + 4 * momentum * momentum).squareRoot()) / 2
            let beta = T((momentum - 1) / next)
            // The new primal point's share of the average.
            let weight = momentum * momentum
            weightSum += weight
            let share = T(weight / weightSum)
            momentum = next

            computeFirstPlane(rank: rank, slab: slab, base: base)
            team.barrier()
            let restart = sweep(rank: rank, team: team, slab: slab, base: base, beta: beta, share: share)
            partials.pointer[rank * Self.partialStride] = Double(restart)
            team.barrier()
            var total = 0.0
            for t in 0..<team.size { total += partials.pointer[t * Self.partialStride] }
            if total < 0 {
                momentum = 1
                base = q
                weightSum = 0
            } else {
                base = r
            }

            let due = iteration == iterationLimit || (checks && iteration % options.checkInterval == 0)
            if due && certify(rank: rank, team: team, slab: slab, iteration: iteration, averaged: weightSum > 0) {
                return
            }
        }
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

    /// Phase 1: the fused pipeline over this thread's slab.
    private func sweep(rank: Int, team: ThreadTeam, slab: Range<Int>, base: UnsafeMutablePointer<T>, beta: T,
                       share: T) -> T {
        let plane = grid.plane, n1 = grid.n1, n2 = grid.n2
        let ring = ringPlanes.pointer + rank * 2 * plane
        var target = ring
        var current = firstPlane(rank: rank)
        var restart: T = 0
        let q0 = component(q, 0), qLast = component(q, grid.components - 1)
        let r0 = component(r, 0), rLast = component(r, grid.components - 1)
        let b0 = component(base, 0), bLast = component(base, grid.components - 1)
        let qMid: UnsafeMutablePointer<T>? = grid.hasMiddle ? component(q, 1) : nil
        let rMid: UnsafeMutablePointer<T>? = grid.hasMiddle ? component(r, 1) : nil
        let bMid: UnsafeMutablePointer<T>? = grid.hasMiddle ? component(base, 1) : nil
        for i in slab {
            let next: UnsafeMutablePointer<T>
            if i + 1 < slab.upperBound {
                computePrimalPlane(i + 1, from: base, into: target)
                next = target
            } else if i + 1 < grid.n0 {
                next = firstPlane(rank: rank + 1)
            } else {
                next = current // last plane: zero difference along axis 0
            }
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
            if next == target {
                current = target
                target = target == ring ? ring + plane : ring
            }
        }
        return restart
    }

    /// Dual step 1 / L with L = 4 * components >= ||D||^2, the Lipschitz constant of grad D.
    @inline(__always) private func tau() -> T { T(1) / T(4 * grid.components) }

    /// Evaluates x(q), P(x), D(q) and the gap (all threads take part and reach the same verdict),
    /// and P at the average when there is one. Returns true when the solve should stop; x then
    /// holds the better candidate.
    private func certify(rank: Int, team: ThreadTeam, slab: Range<Int>, iteration: Int, averaged: Bool) -> Bool {
        let mine = partials.pointer + rank * Self.partialStride
        let average = averaged ? averageStorage?.pointer : nil
        var fidelity = 0.0, dual = 0.0, averageFidelity = 0.0
        for i in slab {
            for j in 0..<grid.n1 {
                let offset = rowOffset(plane: i, row: j)
                let yRow = UnsafeMutablePointer(mutating: y) + offset
                let part = TVRowKernels<T>.certificateRow(
                    y: yRow, dual: dualRows(q, plane: i, row: j),
                    count: grid.n2, lower: lower, upper: upper, into: x + offset)
                fidelity += part.fidelity
                dual += part.dual
                if let average { averageFidelity += TVRowKernels<T>.fidelityRow(average + offset, yRow, count: grid.n2) }
            }
        }
        mine[1] = fidelity
        mine[2] = dual
        mine[4] = averageFidelity
        team.barrier()
        mine[3] = TVValue<T, N>.slabValue(x: x, grid: grid, weights: weights, ones: onesRow.pointer, slab: slab)
        mine[5] = average.map {
            TVValue<T, N>.slabValue(x: $0, grid: grid, weights: weights, ones: onesRow.pointer, slab: slab)
        } ?? 0
        team.barrier()
        fidelity = 0; dual = 0; averageFidelity = 0
        var tv = 0.0, averageTV = 0.0
        for t in 0..<team.size {
            let p = partials.pointer + t * Self.partialStride
            fidelity += p[1]
            dual += p[2]
            tv += p[3]
            averageFidelity += p[4]
            averageTV += p[5]
        }
        var primal = fidelity + options.lambda * tv
        let averagePrimal = averageFidelity + options.lambda * averageTV
        let averageWins = average != nil && averagePrimal < primal
        if averageWins { primal = averagePrimal }
        let gap = max(primal - dual, 0)
        let relative = gap > 0 ? gap / max(primal, Double.leastNormalMagnitude) : 0
        let converged = relative <= options.tolerance
        let stop = converged || iteration >= iterationLimit
        if rank == 0 {
            info.iterations = iteration
            info.primal = primal
            info.dual = dual
            info.gap = gap
            info.relativeGap = relative
            info.converged = converged
        }
        if stop && averageWins, let average {
            for i in slab {
                let offset = rowOffset(plane: i, row: 0)
                (x + offset).update(from: average + offset, count: grid.plane)
            }
        }
        // Keep partials stable until every thread has read them (and x is complete).
        team.barrier()
        return stop
    }
}
