/// Row kernels of the TV discretisation. A "row" is a run of the contiguous (last) axis; each kernel
/// is one fused pass over it. Missing neighbours at the Neumann boundary are expressed without
/// branches in the inner loop: a missing previous dual row is a row of zeros (its differences
/// vanish), a missing next primal row is the row itself (its forward difference is zero).
enum TVRowKernels<T: LaneScalar> {
    typealias Row = UnsafeMutablePointer<T>
    /// One lane vector of pixels per step: 16 Floats or 8 Doubles in an AVX-512 register, else 8
    /// pixels in one or two AVX registers (two or four SSE ones), so several independent square
    /// roots and divisions are in flight.
    typealias Lanes = T.Lanes
    @inline(__always) static var width: Int { Lanes.width }

    @inline(__always) static func load(_ p: Row, _ k: Int) -> Lanes { Lanes.load(p + k) }

    @inline(__always) static func store(_ v: Lanes, _ p: Row, _ k: Int) { v.store(to: p + k) }

    /// A vector's lanes from k, or, for the partial block at the end of a row, the `rest` that remain
    /// (zeros after them).
    @inline(__always) static func load(_ p: Row, _ k: Int, rest: Int?) -> Lanes {
        if let rest { return Lanes.load(p + k, count: rest) }
        return load(p, k)
    }

    /// Stores a vector's lanes at k, or only the first `rest`.
    @inline(__always) static func store(_ v: Lanes, _ p: Row, _ k: Int, rest: Int?) {
        if let rest { v.store(to: p + k, count: rest) } else { store(v, p, k) }
    }

    /// Calls `block(k, nil)` for each full vector of a row from `start`, then `block(k, rest)` for
    /// the partial vector of the `rest` pixels left at its end, if any.
    @inline(__always)
    static func vectors(from start: Int, to count: Int, _ block: (Int, Int?) -> Void) {
        var k = start
        while k &+ width <= count {
            block(k, nil)
            k &+= width
        }
        if k < count { block(k, count &- k) }
    }

    /// The dual components that meet at one row: axis 0 at this plane and the previous one, the
    /// middle axis (3-D only) at this row and the previous one, and the contiguous axis.
    struct DualRows {
        var axis0: Row
        var axis0Previous: Row
        var middle: Row?
        var middlePrevious: Row?
        var last: Row
    }

    /// (div p)[k] for one row, p = -D^T p's adjoint pair: sum over axes of p(i) - p(i - e).
    @inline(__always)
    static func divergence(_ p: DualRows, _ k: Int) -> T {
        var d = p.axis0[k] - p.axis0Previous[k] + p.last[k]
        if k > 0 { d -= p.last[k - 1] }
        if let mid = p.middle, let midPrev = p.middlePrevious { d += mid[k] - midPrev[k] }
        return d
    }

    /// `divergence` on the vector of pixels from k >= 1 (its first `rest` when given).
    @inline(__always)
    static func divergence(_ p: DualRows, lanesAt k: Int, rest: Int? = nil) -> Lanes {
        var d = load(p.axis0, k, rest: rest) - load(p.axis0Previous, k, rest: rest)
            + (load(p.last, k, rest: rest) - load(p.last, k - 1, rest: rest))
        if let mid = p.middle, let midPrev = p.middlePrevious {
            d += load(mid, k, rest: rest) - load(midPrev, k, rest: rest)
        }
        return d
    }

    /// x = clip(y + div p, lower, upper) on one row: pixel 0 alone (it has no left neighbour),
    /// then vectors from k = 1, the last one partial.
    @inline(__always)
    static func primalRow(y: Row, dual p: DualRows, count: Int, lower: T, upper: T, into x: Row) {
        let lo = Lanes(repeating: lower), hi = Lanes(repeating: upper)
        @inline(__always) func block(_ k: Int, _ rest: Int?) {
            let z = load(y, k, rest: rest) + divergence(p, lanesAt: k, rest: rest)
            store(Lanes.minimum(Lanes.maximum(z, lo), hi), x, k, rest: rest)
        }
        x[0] = Swift.min(Swift.max(y[0] + divergence(p, 0), lower), upper)
        vectors(from: 1, to: count, block)
    }

    /// The divergence of the dual at the vector of pixels from k >= 1 in Double, part `part` of
    /// its `wideParts`: the dual's components are widened before they are differenced, so that the
    /// certificate of a Float solve is not made optimistic by Float rounding.
    @inline(__always)
    static func wideDivergence(_ p: DualRows, lanesAt k: Int, part: Int) -> DoubleLanes {
        var d = load(p.axis0, k).wide(part) - load(p.axis0Previous, k).wide(part)
            + (load(p.last, k).wide(part) - load(p.last, k - 1).wide(part))
        if let mid = p.middle, let midPrev = p.middlePrevious {
            d = d + (load(mid, k).wide(part) - load(midPrev, k).wide(part))
        }
        return d
    }

    /// The dual norm of the pixel norm (Euclidean for isotropic TV, largest magnitude for
    /// anisotropic) of the dual at the vector of pixels from k, in Double.
    @inline(__always)
    static func wideDualNorm<N: TVPixelNorm>(_: N.Type, _ p: DualRows, lanesAt k: Int, part: Int) -> DoubleLanes {
        if let mid = p.middle {
            return N.dualNorm(load(p.axis0, k).wide(part), load(mid, k).wide(part), load(p.last, k).wide(part))
        }
        return N.dualNorm(load(p.axis0, k).wide(part), load(p.last, k).wide(part))
    }

    /// What one row adds to a certificate, all in Double: the fidelity 0.5 (x - y)^2 of the
    /// returned x, the dual objective's terms -y (div q) - 0.5 (div q)^2 + 0.5 (clip(z) - z)^2 with
    /// z = y + div q, and the largest ratio |q_i|_* / (lambda w_i) (1 for a feasible dual, a few
    /// rounding units above it after a Float projection).
    struct Certificate {
        var fidelity = 0.0
        var dual = 0.0
        var ratio = 0.0
    }

    /// The primal row of the certificate: writes x = clip(y + div q) (in T, with the box rounded
    /// into itself) and returns the row's `Certificate`. The dual terms use the box `exact` (the
    /// caller's bounds), so that D(q) bounds the caller's problem.
    @inline(__always)
    static func certificateRow<N: TVPixelNorm>(_: N.Type, y: Row, dual p: DualRows, weights: Row, count: Int,
                                               lower: T, upper: T, exact: (lower: Double, upper: Double),
                                               lambda: Double, into x: Row) -> Certificate {
        // Lanes from k = 1 (k = 0 has no left neighbour), widened to Double; pixel 0 and the end
        // of the row are scalar.
        var k = 1
        let lo = Lanes(repeating: lower), hi = Lanes(repeating: upper)
        let loD = DoubleLanes(repeating: exact.lower), hiD = DoubleLanes(repeating: exact.upper)
        let lambdaD = DoubleLanes(repeating: lambda), floor = DoubleLanes(repeating: Double.leastNormalMagnitude)
        var fidelityLanes = DoubleLanes(repeating: 0), dualLanes = DoubleLanes(repeating: 0)
        var ratioLanes = DoubleLanes(repeating: 0)
        while k &+ width <= count {
            let yk = load(y, k)
            let xk = Lanes.minimum(Lanes.maximum(yk + divergence(p, lanesAt: k), lo), hi)
            store(xk, x, k)
            let wk = load(weights, k)
            for part in 0..<Lanes.wideParts {
                let dd = wideDivergence(p, lanesAt: k, part: part), yd = yk.wide(part)
                let zd = yd + dd
                let s = DoubleLanes.minimum(DoubleLanes.maximum(zd, loD), hiD) - zd
                let r = xk.wide(part) - yd
                fidelityLanes += r * r
                let cross: DoubleLanes = (yd + yd) * dd
                dualLanes += s * s - dd * dd - cross
                let radius = DoubleLanes.maximum(lambdaD * wk.wide(part), floor)
                ratioLanes = DoubleLanes.maximum(ratioLanes, wideDualNorm(N.self, p, lanesAt: k, part: part) / radius)
            }
            k &+= width
        }
        var result = Certificate(fidelity: 0.5 * fidelityLanes.sum(), dual: 0.5 * dualLanes.sum(),
                                 ratio: ratioLanes.largest())
        certificateScalar(N.self, y: y, dual: p, weights: weights, range: 0..<1, lower: lower, upper: upper,
                          exact: exact, lambda: lambda, into: x, &result)
        certificateScalar(N.self, y: y, dual: p, weights: weights, range: k..<count, lower: lower, upper: upper,
                          exact: exact, lambda: lambda, into: x, &result)
        return result
    }

    @inline(__always)
    private static func certificateScalar<N: TVPixelNorm>(_: N.Type, y: Row, dual p: DualRows, weights: Row,
                                                          range: Range<Int>, lower: T, upper: T,
                                                          exact: (lower: Double, upper: Double), lambda: Double,
                                                          into x: Row, _ result: inout Certificate) {
        for k in range {
            let yk = y[k]
            let xk = Swift.min(Swift.max(yk + divergence(p, k), lower), upper)
            x[k] = xk
            var dd = Double(p.axis0[k]) - Double(p.axis0Previous[k]) + Double(p.last[k])
            if k > 0 { dd -= Double(p.last[k - 1]) }
            let norm: Double
            if let mid = p.middle, let midPrev = p.middlePrevious {
                dd += Double(mid[k]) - Double(midPrev[k])
                norm = N.dualNorm(Double(p.axis0[k]), Double(mid[k]), Double(p.last[k]))
            } else {
                norm = N.dualNorm(Double(p.axis0[k]), Double(p.last[k]))
            }
            let yd = Double(yk), xd = Double(xk), zd = yd + dd
            let s = Swift.min(Swift.max(zd, exact.lower), exact.upper) - zd
            result.fidelity += 0.5 * (xd - yd) * (xd - yd)
            result.dual += -yd * dd - 0.5 * dd * dd + 0.5 * s * s
            result.ratio = Swift.max(result.ratio, norm / Swift.max(lambda * Double(weights[k]), .leastNormalMagnitude))
        }
    }

    /// One accelerated projected-gradient step of the dual on a row, fused with the extrapolation:
    ///   v = Proj_{|v| <= lambda w}(b + tau D x),  r <- v + beta (v - q),  q <- v,
    /// where the base point b is r, or q itself right after a restart (b may alias r or q).
    /// `nextPlane` is the same row in plane i + 1 (or `xRow` itself at the last plane), `nextRow`
    /// the next row of this plane in 3-D (or `xRow` at the last row, nil in 2-D). Returns
    /// sum (v - b) . (v - q_old), whose sign drives the adaptive restart.
    @inline(__always)
    static func dualStepRow<N: TVPixelNorm>(
        _: N.Type, xRow: Row, nextPlane: Row, nextRow: Row?,
        q0: Row, qMid: Row?, qLast: Row, b0: Row, bMid: Row?, bLast: Row, r0: Row, rMid: Row?, rLast: Row,
        weights: Row, weighted: Bool, lambda: T, tau: T, beta: T, count: Int
    ) -> T {
        // Full blocks of `width` pixels while the next pixel along the row exists; then the rest of
        // the row, the last column included, as one partial block. Its lanes past the row read
        // zeros, which project to zero and add nothing to the restart sum, and are not stored. The
        // last column has no forward difference along the row, so its "next" value is itself.
        let tauV = Lanes(repeating: tau), betaV = Lanes(repeating: beta), lambdaV = Lanes(repeating: lambda)
        var lanes = Lanes(repeating: 0)
        var k = 0
        if let nextRow, let qMid, let rMid, let bMid {
            @inline(__always) func block(_ k: Int, _ rest: Int?, right: Lanes) -> Lanes {
                let bound = weighted ? lambdaV * load(weights, k, rest: rest) : lambdaV
                let step = dualBlock3(
                    N.self, x: load(xRow, k, rest: rest), below: load(nextPlane, k, rest: rest),
                    after: load(nextRow, k, rest: rest), right: right,
                    base: (load(b0, k, rest: rest), load(bMid, k, rest: rest), load(bLast, k, rest: rest)),
                    old: (load(q0, k, rest: rest), load(qMid, k, rest: rest), load(qLast, k, rest: rest)),
                    bound: bound, tau: tauV, beta: betaV)
                store(step.r.0, r0, k, rest: rest); store(step.r.1, rMid, k, rest: rest)
                store(step.r.2, rLast, k, rest: rest)
                store(step.v.0, q0, k, rest: rest); store(step.v.1, qMid, k, rest: rest)
                store(step.v.2, qLast, k, rest: rest)
                return step.restart
            }
            while k &+ width < count {
                lanes += block(k, nil, right: load(xRow, k &+ 1))
                k &+= width
            }
            lanes += block(k, count - k, right: nextAlongRow(xRow, from: k, count: count))
        } else {
            @inline(__always) func block(_ k: Int, _ rest: Int?, right: Lanes) -> Lanes {
                let bound = weighted ? lambdaV * load(weights, k, rest: rest) : lambdaV
                let step = dualBlock(
                    N.self, x: load(xRow, k, rest: rest), below: load(nextPlane, k, rest: rest), right: right,
                    base0: load(b0, k, rest: rest), base1: load(bLast, k, rest: rest),
                    old0: load(q0, k, rest: rest), old1: load(qLast, k, rest: rest), bound: bound, tau: tauV,
                    beta: betaV)
                store(step.r0, r0, k, rest: rest); store(step.r1, rLast, k, rest: rest)
                store(step.v0, q0, k, rest: rest); store(step.v1, qLast, k, rest: rest)
                return step.restart
            }
            while k &+ width < count {
                lanes += block(k, nil, right: load(xRow, k &+ 1))
                k &+= width
            }
            lanes += block(k, count - k, right: nextAlongRow(xRow, from: k, count: count))
        }
        return lanes.sum()
    }

    /// The primal-dual method's dual step on a row of a 2-D grid: q <- Proj_{|q| <= lambda w}(q + tau D x),
    /// in place. `nextPlane` is the next row of x (or `xRow` itself at the last row).
    @inline(__always)
    static func ascentRow<N: TVPixelNorm>(_: N.Type, xRow: Row, nextPlane: Row, q0: Row, q1: Row, weights: Row,
                                         weighted: Bool, lambda: T, tau: T, count: Int) {
        let tauV = Lanes(repeating: tau), lambdaV = Lanes(repeating: lambda)
        // Full vectors while the next pixel along the row exists, then the rest as one partial
        // vector (as in `dualStepRow`).
        @inline(__always) func block(_ k: Int, _ rest: Int?, right: Lanes) {
            let bound = weighted ? lambdaV * load(weights, k, rest: rest) : lambdaV
            let x = load(xRow, k, rest: rest)
            var v0 = Lanes.fma(tauV, load(nextPlane, k, rest: rest) - x, load(q0, k, rest: rest))
            var v1 = Lanes.fma(tauV, right - x, load(q1, k, rest: rest))
            N.project(&v0, &v1, bound: bound)
            store(v0, q0, k, rest: rest)
            store(v1, q1, k, rest: rest)
        }
        var k = 0
        while k &+ width < count {
            block(k, nil, right: load(xRow, k &+ 1))
            k &+= width
        }
        block(k, count &- k, right: nextAlongRow(xRow, from: k, count: count))
    }

    /// The primal-dual method's primal step on a row: x <- clip(x + theta (y + div q - x)), in place:
    /// the proximal step of 0.5 ||x - y||^2 (and the box) from x, with weight theta on its target.
    @inline(__always)
    static func relaxRow(y: Row, dual p: DualRows, x: Row, theta: T, lower: T, upper: T, count: Int) {
        let lo = Lanes(repeating: lower), hi = Lanes(repeating: upper), th = Lanes(repeating: theta)
        @inline(__always) func block(_ k: Int, _ rest: Int?) {
            let old = load(x, k, rest: rest)
            let target = load(y, k, rest: rest) + divergence(p, lanesAt: k, rest: rest)
            store(Lanes.minimum(Lanes.maximum(Lanes.fma(th, target - old, old), lo), hi), x, k, rest: rest)
        }
        x[0] = Swift.min(Swift.max(x[0] + theta * (y[0] + divergence(p, 0) - x[0]), lower), upper)
        vectors(from: 1, to: count, block)
    }

    /// x[k + 1 ..< count] then x[count - 1] (the last column's zero difference), zeros after.
    @inline(__always)
    static func nextAlongRow(_ x: Row, from k: Int, count: Int) -> Lanes {
        let rest = count &- k
        return Lanes.load(x + k + 1, count: rest &- 1).replacing(lane: rest &- 1, with: x[count &- 1])
    }

    /// The 3-D dual step on a vector of pixels (components: axis 0, middle axis, contiguous axis).
    @inline(__always)
    static func dualBlock3<N: TVPixelNorm>(_: N.Type, x: Lanes, below: Lanes, after: Lanes, right: Lanes,
                                           base: (Lanes, Lanes, Lanes), old: (Lanes, Lanes, Lanes), bound: Lanes,
                                           tau: Lanes, beta: Lanes)
        -> (v: (Lanes, Lanes, Lanes), r: (Lanes, Lanes, Lanes), restart: Lanes) {
        var v0 = Lanes.fma(tau, below - x, base.0)
        var v1 = Lanes.fma(tau, after - x, base.1)
        var v2 = Lanes.fma(tau, right - x, base.2)
        N.project(&v0, &v1, &v2, bound: bound)
        let d0 = v0 - old.0, d1 = v1 - old.1, d2 = v2 - old.2
        let restart = Lanes.fma(v0 - base.0, d0, Lanes.fma(v1 - base.1, d1, (v2 - base.2) * d2))
        return ((v0, v1, v2), (Lanes.fma(beta, d0, v0), Lanes.fma(beta, d1, v1), Lanes.fma(beta, d2, v2)), restart)
    }

    /// The 2-D dual step on a vector of pixels: v = Proj(base + tau D x), r = v + beta (v - old), and the
    /// restart terms (v - base) . (v - old).
    @inline(__always)
    static func dualBlock<N: TVPixelNorm>(_: N.Type, x: Lanes, below: Lanes, right: Lanes, base0: Lanes, base1: Lanes,
                                          old0: Lanes, old1: Lanes, bound: Lanes, tau: Lanes, beta: Lanes)
        -> (v0: Lanes, v1: Lanes, r0: Lanes, r1: Lanes, restart: Lanes) {
        var v0 = Lanes.fma(tau, below - x, base0)
        var v1 = Lanes.fma(tau, right - x, base1)
        N.project(&v0, &v1, bound: bound)
        let d0 = v0 - old0, d1 = v1 - old1
        let restart = Lanes.fma(v0 - base0, d0, (v1 - base1) * d1)
        return (v0, v1, Lanes.fma(beta, d0, v0), Lanes.fma(beta, d1, v1), restart)
    }

    /// avg += share (x - avg) on one row: the running weighted average of the primal iterates.
    @inline(__always)
    static func averageRow(_ x: Row, into avg: Row, share: T, count: Int) {
        // A share of 1 starts the average afresh: copy, so whatever avg held (it starts
        // uninitialised) cannot leak in through avg + (x - avg).
        if share == 1 {
            avg.update(from: x, count: count)
            return
        }
        let s = Lanes(repeating: share)
        @inline(__always) func block(_ k: Int, _ rest: Int?) {
            let a = load(avg, k, rest: rest)
            store(Lanes.fma(s, load(x, k, rest: rest) - a, a), avg, k, rest: rest)
        }
        vectors(from: 0, to: count, block)
    }

    /// sum_k 0.5 (x_k - y_k)^2 over one row, in Double.
    @inline(__always)
    static func fidelityRow(_ x: Row, _ y: Row, count: Int) -> Double {
        var lanes = DoubleLanes(repeating: 0)
        var k = 0
        while k &+ width <= count {
            let xk = load(x, k), yk = load(y, k)
            for part in 0..<Lanes.wideParts {
                let d = xk.wide(part) - yk.wide(part)
                lanes += d * d
            }
            k &+= width
        }
        var sum = lanes.sum()
        for k in k..<count {
            let d = Double(x[k]) - Double(y[k])
            sum += d * d
        }
        return 0.5 * sum
    }

    /// sum_k w_k |(D x)_k| over one row (same neighbour conventions as `dualStepRow`), in Double
    /// from the differences on: a certificate's primal value must not be lowered by rounding.
    @inline(__always)
    static func valueRow<N: TVPixelNorm>(_: N.Type, xRow: Row, nextPlane: Row, nextRow: Row?,
                                         weights: Row, count: Int) -> Double {
        var lanes = DoubleLanes(repeating: 0)
        var k = 0
        while k &+ width < count {
            let xk = load(xRow, k), below = load(nextPlane, k), right = load(xRow, k &+ 1), w = load(weights, k)
            let after = nextRow.map { load($0, k) }
            for part in 0..<Lanes.wideParts {
                let xd = xk.wide(part)
                let norm: DoubleLanes = after.map {
                    N.norm(below.wide(part) - xd, $0.wide(part) - xd, right.wide(part) - xd)
                } ?? N.norm(below.wide(part) - xd, right.wide(part) - xd)
                lanes += w.wide(part) * norm
            }
            k &+= width
        }
        var sum = lanes.sum()
        for k in k..<count {
            let xk = Double(xRow[k])
            let g0 = Double(nextPlane[k]) - xk
            let gLast = k + 1 < count ? Double(xRow[k + 1]) - xk : 0
            let n: Double
            if let nextRow { n = N.norm(g0, Double(nextRow[k]) - xk, gLast) } else { n = N.norm(g0, gLast) }
            sum += Double(weights[k]) * n
        }
        return sum
    }
}
