/// The CGLS recurrence on a stacked system (1/2) ||A x - b||^2 (Hestenes and Stiefel's CG on
/// A^H A x = A^H b, arranged around the residual r = b - A x so that A^H A is never formed), over
/// caller-owned work vectors: the CGLS solver and ADMM's inner x-step both step it.
struct CGLSIteration {
    let system: LeastSquaresSystem
    /// The iterate (updated in place), the residual and A p (output-sized), A^H r and the search
    /// direction (input-sized).
    let x: UnsafeMutableRawPointer, residual: UnsafeMutableRawPointer, q: UnsafeMutableRawPointer
    let s: UnsafeMutableRawPointer, p: UnsafeMutableRawPointer
    /// ||A^H r||^2 at the current iterate.
    private(set) var gamma: Double
    private let precision: ScalarType.Precision
    private let n: Int, m: Int

    /// Starts from x: r = b - A x, s = A^H r, p = s.
    init(_ system: LeastSquaresSystem, x: UnsafeMutableRawPointer, residual: UnsafeMutableRawPointer,
         q: UnsafeMutableRawPointer, s: UnsafeMutableRawPointer, p: UnsafeMutableRawPointer, precision: ScalarType.Precision,
         inputReals n: Int) throws {
        self.system = system
        self.x = x
        self.residual = residual
        self.q = q
        self.s = s
        self.p = p
        self.precision = precision
        self.n = n
        m = system.outputReals
        try system.apply(x, into: residual)
        Reals.combine(precision, -1, residual, 1, UnsafeRawPointer(system.data.pointer), into: residual, m)
        try system.applyAdjoint(residual, into: s)
        Reals.copy(precision, s, into: p, n)
        gamma = Reals.dot(precision, s, s, n)
    }

    /// One step; false (and nothing changed) when the recurrence is exhausted: converged to
    /// rounding (A^H r = 0) or A p = 0.
    mutating func step() throws -> Bool {
        guard gamma > 0 else { return false }
        try system.apply(p, into: q)
        let delta = Reals.dot(precision, q, q, m)
        guard delta > 0 else { return false }
        let alpha = gamma / delta
        Reals.combine(precision, 1, x, alpha, p, into: x, n)
        Reals.combine(precision, 1, residual, -alpha, q, into: residual, m)
        try system.applyAdjoint(residual, into: s)
        let next = Reals.dot(precision, s, s, n)
        Reals.combine(precision, 1, s, next / gamma, p, into: p, n)
        gamma = next
        return true
    }
}
