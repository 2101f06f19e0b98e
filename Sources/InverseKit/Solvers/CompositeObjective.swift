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
///    G*(s) is replaced by sup_{||x|| <= R, x in dom G} <s, x> (R ||s||, or R ||max(s, 0)||).
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
        return best
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

extension Reals {
    /// ||max(x, 0)||_2, accumulated in Double.
    package static func positivePartNorm(_ precision: ScalarType.Precision, _ x: UnsafeRawPointer, _ n: Int) -> Double {
        var total = 0.0
        switch precision {
        case .single:
            let p = x.assumingMemoryBound(to: Float.self)
            for i in 0..<n where p[i] > 0 { total += Double(p[i]) * Double(p[i]) }
        case .double:
            let p = x.assumingMemoryBound(to: Double.self)
            for i in 0..<n where p[i] > 0 { total += p[i] * p[i] }
        }
        return total.squareRoot()
    }

    package static func maxMagnitude(_ precision: ScalarType.Precision, _ x: UnsafeRawPointer, _ n: Int) -> Double {
        switch precision {
        case .single: return maxMagnitude(x.assumingMemoryBound(to: Float.self), n)
        case .double: return maxMagnitude(x.assumingMemoryBound(to: Double.self), n)
        }
    }
}
