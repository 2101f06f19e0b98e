/// The contracts every functional must satisfy, as checks that any functional (the library's or a
/// user's composite) can run on itself: the Moreau identity, the optimality condition of the prox,
/// Fenchel-Young equality at a prox pair, and the gradient against finite differences. Each figure
/// is a relative error: about the working precision for a correct implementation, O(1) for a wrong
/// one; nil when the functional lacks what the check needs.
public struct FunctionalCheckReport: Sendable, Equatable {
    /// ||prox_{tau f}(v) + tau prox_{f*/tau}(v / tau) - v|| / ||v||.
    public var moreau: Double?
    /// The largest violation of f(z) >= f(p) + <(v - p)/tau, z - p> over test points z (p the prox
    /// of v): p is the prox exactly when (v - p)/tau is a subgradient at p. Relative to the size
    /// of the terms.
    public var proxOptimality: Double?
    /// |f(p) + f*(s) - <p, s>| at p = prox_{tau f}(v), s = prox_{f*/tau}(v / tau), relative.
    public var fenchelYoung: Double?
    /// |f(x+) - f(x-) - <grad f(x), x+ - x->| / |f(x+) - f(x-)| for a central difference.
    public var gradient: Double?

    public init() {}
}

extension Functional {
    /// Runs the checks at a seeded random point v with entries in [-spread, spread) and step `tau`.
    public func check(seed: UInt64 = 0, step tau: Double = 0.7, spread: Double = 1) throws -> FunctionalCheckReport {
        try Self.checkStep(tau, "tau")
        guard spread.isFinite, spread > 0 else {
            throw InverseKitError(.invalidArgument, "Invalid spread: expected a finite value > 0, got \(spread)")
        }
        let n = realCount, size = bytes
        // v, p, s, z, w: five work vectors.
        let buffer = try AlignedBuffer<UInt8>(count: 5 * size)
        defer { withExtendedLifetime(buffer) {} } // used through raw pointers below
        let base = UnsafeMutableRawPointer(buffer.pointer)
        let v = base, p = base + size, s = base + 2 * size, z = base + 3 * size, w = base + 4 * size
        var rng = SplitMix64(seed: seed)
        RealView.fillRandom(v, reals: n, precision: precision, &rng)
        Reals.scale(precision, spread, v, n)
        var report = FunctionalCheckReport()
        let caps = capabilities

        if caps.contains(.prox) {
            try prox(v, step: tau, into: p)
            if caps.contains(.proxConjugate) {
                Reals.scale(precision, 1 / tau, v, into: s, n)
                try proxConjugate(s, step: 1 / tau, into: s)
                // p + tau s - v, in z.
                Reals.combine(precision, 1, p, tau, s, into: z, n)
                Reals.combine(precision, 1, z, -1, v, into: z, n)
                let vNorm = Reals.dot(precision, v, v, n).squareRoot()
                report.moreau = Reals.dot(precision, z, z, n).squareRoot() / max(vNorm, .leastNormalMagnitude)
                if caps.contains(.value) && caps.contains(.conjugateValue) {
                    let fp = try value(p), fs = try conjugateValue(s), ps = Reals.dot(precision, p, s, n)
                    let scale = fp.magnitude + fs.magnitude + ps.magnitude + Self.floor(self, p, s)
                    report.fenchelYoung = (fp + fs - ps).magnitude / scale
                }
            }
            if caps.contains(.value) {
                report.proxOptimality = try subgradientViolation(v: v, p: p, tau: tau, z: z, w: w, rng: &rng)
            }
        }

        if caps.contains(.gradient) && caps.contains(.value) {
            // At the prox of v when there is one (inside the domain), else at v.
            let x = caps.contains(.prox) ? UnsafeRawPointer(p) : UnsafeRawPointer(v)
            report.gradient = try finiteDifferenceError(at: x, direction: z, plus: w, minus: s, rng: &rng)
        }
        return report
    }

    /// A magnitude below which differences are rounding: the size of the vectors times the precision.
    private static func floor(_ f: Functional, _ a: UnsafeRawPointer, _ b: UnsafeRawPointer) -> Double {
        let n = f.realCount
        let norms = Reals.dot(f.precision, a, a, n).squareRoot() * Reals.dot(f.precision, b, b, n).squareRoot()
        return max(norms, 1) * f.precision.unitRoundoff
    }

    private func subgradientViolation(v: UnsafeRawPointer, p: UnsafeRawPointer, tau: Double,
                                      z: UnsafeMutableRawPointer, w: UnsafeMutableRawPointer,
                                      rng: inout SplitMix64) throws -> Double {
        let n = realCount
        let fp = try value(p)
        guard fp.isFinite else { return .infinity }
        // g = (v - p) / tau in w, kept for every test point.
        Reals.combine(precision, 1 / tau, v, -1 / tau, p, into: w, n)
        let gNorm = Reals.dot(precision, w, w, n).squareRoot()
        var worst = 0.0
        let pNorm = Reals.dot(precision, p, p, n).squareRoot()
        let spread = max(pNorm, Reals.dot(precision, v, v, n).squareRoot(), 1) / Double(max(n, 1)).squareRoot()
        // Points near p and far from it, and points of the domain (proxes of random points).
        for trial in 0..<12 {
            RealView.fillRandom(z, reals: n, precision: precision, &rng)
            if trial < 8 {
                let t = spread * [1e-3, 1e-2, 1e-1, 1, 3, 1e-2, 1e-1, 1][trial]
                Reals.combine(precision, 1, p, t, z, into: z, n)
                if trial >= 5, capabilities.contains(.prox) {
                    // A domain point near p: the prox of a nearby point.
                    try prox(z, step: tau, into: z)
                }
            } else {
                Reals.scale(precision, 3 * spread, z, n)
                try prox(z, step: tau * Double(trial - 7), into: z)
            }
            let fz = try value(z)
            guard fz.isFinite else { continue }
            let inner = Reals.dot(precision, w, z, n) - Reals.dot(precision, w, p, n)
            let distance = Reals.squaredDistance(precision, z, p, n).squareRoot()
            let scale = fp.magnitude + fz.magnitude + gNorm * (distance + pNorm) + precision.unitRoundoff
            worst = max(worst, (fp + inner - fz) / scale)
        }
        return max(worst, 0)
    }

    /// The directional derivative of f at x by finite differences against <grad f(x), step>: a
    /// central difference, or, at a point on the domain's boundary (a Poisson mean of 0), a
    /// second-order one-sided difference into the domain.
    private func finiteDifferenceError(at x: UnsafeRawPointer, direction d: UnsafeMutableRawPointer,
                                       plus: UnsafeMutableRawPointer, minus: UnsafeMutableRawPointer,
                                       rng: inout SplitMix64) throws -> Double {
        let n = realCount
        RealView.fillRandom(d, reals: n, precision: precision, &rng)
        let xNorm = Reals.dot(precision, x, x, n).squareRoot() / Double(max(n, 1)).squareRoot()
        let h0 = (precision == .single ? 1e-2 : 1e-5) * max(xNorm, 1)
        let fx = try value(x)
        guard fx.isFinite else { return .infinity }
        // Directions: d, then |d| and -|d| (which point into a domain bounded on one side).
        for variant in 0..<3 {
            if variant > 0 { Self.signed(d, n, precision, positive: variant == 1) }
            var h = h0
            for _ in 0..<20 {
                Reals.combine(precision, 1, x, h, d, into: plus, n)
                Reals.combine(precision, 1, x, -h, d, into: minus, n)
                let fPlus = try value(plus), fMinus = try value(minus)
                if fPlus.isFinite && fMinus.isFinite {
                    return try compare(x, fPlus - fMinus, plus, minus, d)
                }
                if fPlus.isFinite {
                    // f'(x) h d ~ (4 f(x + h d) - f(x + 2 h d) - 3 f(x)) / 2.
                    Reals.combine(precision, 1, x, 2 * h, d, into: minus, n)
                    let fTwice = try value(minus)
                    if fTwice.isFinite {
                        try gradient(x, into: d)
                        let predicted = Reals.dot(precision, d, plus, n) - Reals.dot(precision, d, x, n)
                        let actual = (4 * fPlus - fTwice - 3 * fx) / 2
                        return (actual - predicted).magnitude / max(actual.magnitude, predicted.magnitude, .leastNormalMagnitude)
                    }
                }
                h *= 0.5
            }
        }
        return .infinity
    }

    /// |actual - <grad f(x), plus - minus>| relative; overwrites g with the gradient.
    private func compare(_ x: UnsafeRawPointer, _ actual: Double, _ plus: UnsafeRawPointer, _ minus: UnsafeRawPointer,
                         _ g: UnsafeMutableRawPointer) throws -> Double {
        try gradient(x, into: g)
        let predicted = Reals.dot(precision, g, plus, realCount) - Reals.dot(precision, g, minus, realCount)
        return (actual - predicted).magnitude / max(actual.magnitude, predicted.magnitude, .leastNormalMagnitude)
    }

    private static func signed(_ d: UnsafeMutableRawPointer, _ n: Int, _ precision: ScalarType.Precision, positive: Bool) {
        switch precision {
        case .single:
            let p = d.assumingMemoryBound(to: Float.self)
            for i in 0..<n { p[i] = positive ? p[i].magnitude : -p[i].magnitude }
        case .double:
            let p = d.assumingMemoryBound(to: Double.self)
            for i in 0..<n { p[i] = positive ? p[i].magnitude : -p[i].magnitude }
        }
    }
}
