/// One term F(K x) of an objective: a functional and the operator it acts through (nil: the
/// identity, F(x)).
public struct ObjectiveTerm {
    public let functional: Functional
    public let linearOperator: LinearOperator?

    public init(_ functional: Functional, _ linearOperator: LinearOperator? = nil) {
        self.functional = functional
        self.linearOperator = linearOperator
    }
}

/// P(x) = sum_i F_i(K_i x) + G(x), and the certificate of how close an x is to its minimum.
///
/// The dual of P at points y_i (one per term) is D(y) = -sum_i F_i*(y_i) - G*(-sum_i K_i^H y_i), a
/// lower bound on min P for every y (weak duality), so P(x) - D(y) bounds P(x) - min P whatever
/// produced x and y. D is finite only at feasible points; `dual` makes them feasible first:
///  - each y_i is shrunk by its functional's dual scale (into the l-infinity or l2,1 ball of an l1
///    or TV term, below 1 for a Kullback-Leibler term), then all of them by G's (the Lasso
///    scaling), so that F_i* and G* are finite;
///  - where G* stays infinite (no G, or G the constraint x >= 0) and a radius R with
///    ||x*||_2 <= R is known (`solutionRadius`), the minimum over that ball is used instead:
///    G*(s) is replaced by sup_{||x|| <= R, x in dom G} <s, x> (R ||s||, or R ||max(s, 0)||);
///  - where G is a box bounded below (x >= 0 above all, whose G* is infinite wherever some s_j > 0)
///    and a term's conjugate stays finite along the constant vector 1 (`Functional.dualRay`: a
///    least-squares or Kullback-Leibler data term) through an operator with K^H 1 > 0 everywhere
///    (every pixel seen, as in CT), that term's dual point is moved until s <= 0: for a quadratic
///    term y + t v along v = 1 (t = max_j s_j / (K^H 1)_j) and along v = K s_+ (t = max over
///    s_j > 0 of s_j / (K^H K s_+)_j, a move whose cost scales with s_+ rather than with all of the
///    data), the better of the two; for one whose conjugate's domain is bounded by a (the Poisson
///    term) c y + (1 - c) a 1 with every other point scaled by c,
///    c = min_j a (K^H 1)_j / (s_j + a (K^H 1)_j). The moves vanish at the optimum (t -> 0,
///    c -> 1), so the certificate needs no radius and no box.
/// Values are evaluated with double accumulation; in float32 the gap is raised by a rounding
/// allowance of a few units of float32 precision in the terms' magnitudes, so that it stays a bound.
///
/// Holds work buffers: one evaluation at a time (solvers use it from one thread).
public final class CompositeObjective {
    public let terms: [ObjectiveTerm]
    public let g: Functional?
    public let shape: [Int]
    public let type: ScalarType
    /// A radius R with ||x*||_2 <= R for a minimiser x*, if the caller can prove one (see above).
    /// A wrong radius makes the certificate wrong: it is the caller's promise.
    public var solutionRadius: Double? = nil

    let count: Int
    var realCount: Int { count * type.components }
    var bytes: Int { count * type.size }
    var precision: ScalarType.Precision { type.precision }
    /// K_i x (or the dual point) per term, and an x-sized accumulator.
    private let images: [AlignedBuffer<UInt8>]
    private let accumulator: AlignedBuffer<UInt8>
    private let adjoint: AlignedBuffer<UInt8>
    private let termScales: AlignedBuffer<Double>
    /// The remedy for a box bounded below (see above), when a term offers one.
    private var ray: Ray?

    private struct Ray {
        let term: Int
        let kind: DualRay
        /// K^H 1 (x-shaped, > 0 everywhere) and the moved dual point (the term's argument shape).
        let sensitivity: AlignedBuffer<UInt8>
        let moved: AlignedBuffer<UInt8>
        /// For a quadratic term: the second direction K s_+ (argument-shaped) and K^H of it (x-shaped).
        let direction: AlignedBuffer<UInt8>?
        let response: AlignedBuffer<UInt8>?
    }

    /// `shape` and `type` are x's; every operator maps them to its functional's argument.
    public init(terms: [ObjectiveTerm], g: Functional?, shape: [Int], type: ScalarType) throws {
        guard !terms.isEmpty || g != nil else {
            throw InverseKitError(.invalidArgument, "Invalid terms: an objective needs at least one term")
        }
        count = try LinearOperator.count(shape, type, "x")
        for (i, term) in terms.enumerated() {
            let f = term.functional
            if let k = term.linearOperator {
                guard k.inputShape == shape, k.inputType == type else {
                    throw InverseKitError(.shape, "Invalid terms[\(i)]: the operator takes \(k.inputShape) \(k.inputType), x is \(shape) \(type)")
                }
                guard k.outputShape == f.shape, k.outputType == f.type else {
                    throw InverseKitError(.shape, "Invalid terms[\(i)]: the operator gives \(k.outputShape) \(k.outputType), the functional takes \(f.shape) \(f.type)")
                }
            } else {
                guard f.shape == shape, f.type == type else {
                    throw InverseKitError(.shape, "Invalid terms[\(i)]: the functional takes \(f.shape) \(f.type), x is \(shape) \(type)")
                }
            }
        }
        if let g {
            guard g.shape == shape, g.type == type else {
                throw InverseKitError(.shape, "Invalid g: the functional takes \(g.shape) \(g.type), x is \(shape) \(type)")
            }
        }
        self.terms = terms
        self.g = g
        self.shape = shape
        self.type = type
        images = try terms.map { try AlignedBuffer<UInt8>(count: max($0.functional.bytes, 1)) }
        accumulator = try AlignedBuffer(count: count * type.size)
        adjoint = try AlignedBuffer(count: count * type.size)
        termScales = try AlignedBuffer(repeating: 1, count: max(terms.count, 1))
        if let box = g as? BoxIndicator, box.lower.isFinite { ray = try findRay(imageDirection: box.upper == .infinity) }
    }

    /// The first term whose dual point may move along 1 with K^H 1 > 0 everywhere; one adjoint
    /// application per candidate, at creation.
    /// `imageDirection`: also try the direction K s_+ (two more operator applications per bound),
    /// worth it only where G* has no finite bound of its own (no upper bound on x).
    private func findRay(imageDirection: Bool) throws -> Ray? {
        for (i, term) in terms.enumerated() {
            guard let kind = term.functional.dualRay, term.functional.capabilities.contains(.conjugateValue) else { continue }
            let f = term.functional
            let ones = try AlignedBuffer<UInt8>(count: f.bytes)
            Reals.fillRealParts(precision, UnsafeMutableRawPointer(ones.pointer), f.count, f.type.components, with: 1)
            let sensitivity = try AlignedBuffer<UInt8>(count: bytes)
            try adjointImage(i, UnsafeRawPointer(ones.pointer), into: UnsafeMutableRawPointer(sensitivity.pointer))
            guard Reals.minimum(precision, UnsafeRawPointer(sensitivity.pointer), realCount) > 0 else { continue }
            var direction: AlignedBuffer<UInt8>? = nil, response: AlignedBuffer<UInt8>? = nil
            if case .unbounded = kind, imageDirection {
                direction = try AlignedBuffer<UInt8>(count: f.bytes)
                response = try AlignedBuffer<UInt8>(count: bytes)
            }
            return Ray(term: i, kind: kind, sensitivity: sensitivity, moved: ones, direction: direction, response: response)
        }
        return nil
    }

    /// z = K_i x (a copy of x for the identity).
    func image(_ i: Int, _ x: UnsafeRawPointer, into z: UnsafeMutableRawPointer) throws {
        if let k = terms[i].linearOperator { try k.apply(x, into: z) } else { Reals.copy(precision, x, into: z, realCount) }
    }

    /// out = K_i^H y (a copy for the identity).
    func adjointImage(_ i: Int, _ y: UnsafeRawPointer, into out: UnsafeMutableRawPointer) throws {
        if let k = terms[i].linearOperator { try k.applyAdjoint(y, into: out) } else { Reals.copy(precision, y, into: out, realCount) }
    }

    /// ||K|| bound of the stacked operator [K_1; ...; K_k]: sqrt(sum ||K_i||^2).
    func stackedNormBound() throws -> Double {
        var total = 0.0
        for term in terms {
            let n = try term.linearOperator?.normUpperBound() ?? 1
            total += n * n
        }
        return total.squareRoot()
    }

    /// P(x), +infinity off the domain.
    public func primal(_ x: UnsafeRawPointer) throws -> Double {
        var total = try g?.value(x) ?? 0
        for i in terms.indices {
            let z = UnsafeMutableRawPointer(images[i].pointer)
            try image(i, x, into: z)
            total += try terms[i].functional.value(z)
            if !total.isFinite { return total }
        }
        return total
    }

    /// The best lower bound on min P from the dual points `y[i]` (each the argument shape of term
    /// i; left unchanged), made feasible as described above; -infinity when none is finite.
    public func dual(_ y: [UnsafeRawPointer]) throws -> Double {
        guard y.count == terms.count else { throw InverseKitError(.internalError, "dual: \(y.count) dual points for \(terms.count) terms") }
        // Each term's own scale, then s = -sum_i K_i^H (c_i y_i).
        let scales = UnsafeMutableBufferPointer(start: termScales.pointer, count: terms.count)
        let s = UnsafeMutableRawPointer(accumulator.pointer), tmp = UnsafeMutableRawPointer(adjoint.pointer)
        s.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        for (i, term) in terms.enumerated() {
            guard term.functional.capabilities.contains(.conjugateValue) else { return -.infinity }
            scales[i] = try term.functional.dualScale(y[i])
            try adjointImage(i, y[i], into: tmp)
            Reals.combine(precision, 1, s, -scales[i], tmp, into: s, realCount)
        }
        var best = -Double.infinity
        // G's conjugate, after the common scaling that makes it finite.
        if let g, g.capabilities.contains(.conjugateValue) {
            let c = try g.dualScale(s)
            if c > 0 {
                let gStar = try g.conjugateChecked(s, scale: c)
                if gStar.isFinite {
                    let fStar = try conjugateSum(y, scales, by: c)
                    best = max(best, -fStar - gStar)
                }
            }
        } else if g == nil, Reals.maxMagnitude(precision, s, realCount) == 0 {
            best = max(best, -(try conjugateSum(y, scales, by: 1)))
        }
        // The ball-restricted bound.
        if let radius = solutionRadius, g == nil || isNonnegativity(g!) {
            let support: Double
            if g == nil {
                support = radius * Reals.dot(precision, s, s, realCount).squareRoot()
            } else {
                support = radius * Reals.positivePartNorm(precision, s, realCount)
            }
            if support.isFinite { best = max(best, -(try conjugateSum(y, scales, by: 1)) - support) }
        }
        if let ray, let g { best = max(best, try rayBound(y, scales, s, g, ray)) }
        return best
    }

    /// D at the dual points with term `ray.term`'s moved so that s <= 0 (see above); the steps are
    /// enlarged by a few units of rounding so that s <= 0 holds after rounding too. Any moved point
    /// gives a lower bound (weak duality); the construction only decides whether it is finite and
    /// how close.
    private func rayBound(_ y: [UnsafeRawPointer], _ scales: UnsafeMutableBufferPointer<Double>,
                          _ s: UnsafeMutableRawPointer, _ g: Functional, _ ray: Ray) throws -> Double {
        let a = ray.term, f = terms[a].functional
        let sens = UnsafeRawPointer(ray.sensitivity.pointer)
        let margin = 64 * precision.unitRoundoff
        switch ray.kind {
        case .unbounded:
            // y_a + t v for two directions v: the constant 1 (t = max_j s_j / (K^H 1)_j), and
            // K s_+ (the rays through the pixels where s > 0; t = max_{s_j > 0} s_j / (K^H K s_+)_j),
            // whose cost t <v, .> scales with s_+ rather than with the whole of the data.
            var best = -Double.infinity
            let along1 = Self.largestRatio(precision, s, sens, realCount, offset: 0) * (1 + margin)
            if along1 > 0, along1.isFinite {
                best = try movedBound(y, scales, s, g, ray, scale: 1, step: along1, response: sens) { moved in
                    Reals.scale(precision, scales[a], y[a], into: moved, f.realCount)
                    Reals.addToRealParts(precision, moved, f.count, f.type.components, along1)
                }
            }
            guard let direction = ray.direction, let response = ray.response else { return best }
            let d = UnsafeMutableRawPointer(direction.pointer), r = UnsafeMutableRawPointer(response.pointer)
            Reals.positivePart(precision, s, into: r, realCount)
            try image(a, r, into: d)
            try adjointImage(a, d, into: r)
            let alongImage = Self.largestRatio(precision, s, r, realCount, offset: 0) * (1 + margin)
            if alongImage > 0, alongImage.isFinite {
                best = max(best, try movedBound(y, scales, s, g, ray, scale: 1, step: alongImage, response: r) { moved in
                    Reals.combine(precision, scales[a], y[a], alongImage, d, into: moved, f.realCount)
                })
            }
            return best
        case .toward(let bound):
            // c y_a + (1 - c) bound 1 and c y_i for the others: c s_j <= (1 - c) bound sens_j for every j.
            let worst = Self.largestRatio(precision, s, sens, realCount, offset: bound) // max_j (s_j + bound sens_j) / (bound sens_j)
            guard worst > 1, worst.isFinite else { return -.infinity } // s <= 0 already: the plain bound covers it
            let c = (1 / worst) * (1 - margin)
            return try movedBound(y, scales, s, g, ray, scale: c, step: (1 - c) * bound, response: sens) { moved in
                Self.moveToward(precision, bound, c, scales[a], y[a], into: moved, f.count, f.type.components)
            }
        }
    }

    /// D with every dual point scaled by c (c scales[i] y_i) except term `ray.term`'s, which `move`
    /// writes into the ray's buffer; s becomes c s - t response (response = K_a^H of the move's
    /// direction).
    private func movedBound(_ y: [UnsafeRawPointer], _ scales: UnsafeMutableBufferPointer<Double>,
                            _ s: UnsafeRawPointer, _ g: Functional, _ ray: Ray, scale c: Double, step t: Double,
                            response: UnsafeRawPointer, move: (UnsafeMutableRawPointer) -> Void) throws -> Double {
        let shifted = UnsafeMutableRawPointer(adjoint.pointer), moved = UnsafeMutableRawPointer(ray.moved.pointer)
        Reals.combine(precision, c, s, -t, response, into: shifted, realCount)
        let gStar = try g.conjugateChecked(shifted, scale: 1)
        guard gStar.isFinite else { return -.infinity }
        move(moved)
        var fStar = try terms[ray.term].functional.conjugateChecked(moved, scale: 1)
        for i in terms.indices where i != ray.term {
            fStar += try terms[i].functional.conjugateChecked(y[i], scale: scales[i] * c)
        }
        return -fStar - gStar
    }

    private func isNonnegativity(_ f: Functional) -> Bool {
        guard let box = f as? BoxIndicator else { return false }
        return box.lower == 0 && box.upper == .infinity
    }

    private func conjugateSum(_ y: [UnsafeRawPointer], _ scales: UnsafeMutableBufferPointer<Double>,
                              by c: Double) throws -> Double {
        var total = 0.0
        for (i, term) in terms.enumerated() {
            total += try term.functional.conjugateChecked(y[i], scale: scales[i] * c)
        }
        return total
    }

    /// The certificate of x against the dual points: (P, D, gap, relative gap), with the rounding
    /// allowance of float32 added to the gap.
    func certificate(primal p: Double, dual d: Double) -> (gap: Double, relative: Double) {
        guard p.isFinite, d.isFinite else { return (.infinity, .infinity) }
        let allowance = precision == .single ? 16 * precision.unitRoundoff * (p.magnitude + d.magnitude) : 0
        let gap = max(p - d, 0) + allowance
        let relative = gap == 0 ? 0 : (d > 0 ? gap / d : .infinity)
        return (gap, relative)
    }
}

extension CompositeObjective {
    /// out = bound - c (bound - scale y) on real parts (imaginary parts c scale y), evaluated so that
    /// a point at or below the bound stays there after rounding (as the dual domain w <= 1 needs).
    static func moveToward(_ precision: ScalarType.Precision, _ bound: Double, _ c: Double, _ scale: Double,
                           _ y: UnsafeRawPointer, into out: UnsafeMutableRawPointer, _ count: Int, _ components: Int) {
        func run<T: BinaryFloatingPoint>(_ y: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>) {
            for k in 0..<count * components {
                let v = scale * Double(y[k])
                out[k] = T(k % components == 0 ? bound - c * (bound - v) : c * v)
            }
        }
        switch precision {
        case .single: run(y.assumingMemoryBound(to: Float.self), out.assumingMemoryBound(to: Float.self))
        case .double: run(y.assumingMemoryBound(to: Double.self), out.assumingMemoryBound(to: Double.self))
        }
    }

    /// max(0, max_j (s_j + offset d_j) / (offset d_j)) for offset > 0 (d > 0), or for offset 0
    /// max(0, max_{j: s_j > 0} s_j / d_j) (+infinity when some d_j <= 0 there); NaN for NaN input.
    static func largestRatio(_ precision: ScalarType.Precision, _ s: UnsafeRawPointer, _ d: UnsafeRawPointer, _ n: Int,
                             offset: Double) -> Double {
        func run<T: BinaryFloatingPoint>(_ s: UnsafePointer<T>, _ d: UnsafePointer<T>) -> Double {
            var largest = 0.0
            for j in 0..<n {
                let sj = Double(s[j]), dj = Double(d[j])
                if sj.isNaN || dj.isNaN { return .nan }
                if offset == 0 {
                    // Only s_j > 0 needs a step; none helps where d_j <= 0 there.
                    guard sj > 0 else { continue }
                    if !(dj > 0) { return .infinity }
                }
                let r = offset == 0 ? sj / dj : (sj + offset * dj) / (offset * dj)
                if r.isNaN { return .nan }
                largest = max(largest, r)
            }
            return largest
        }
        switch precision {
        case .single: return run(s.assumingMemoryBound(to: Float.self), d.assumingMemoryBound(to: Float.self))
        case .double: return run(s.assumingMemoryBound(to: Double.self), d.assumingMemoryBound(to: Double.self))
        }
    }
}
