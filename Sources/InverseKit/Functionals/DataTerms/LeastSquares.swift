/// f(x) = (1/2) ||A x - y||_W^2 = (1/2) sum_j w_j |(A x - y)_j|^2, the least-squares data term of a
/// forward model A with data y and optional weights w >= 0 (inverse noise variances; all ones when
/// absent). With y = 0 and no weights it is generalised Tikhonov, (1/2) ||L x||^2.
///
/// gradient A^H W (A x - y), Lipschitz ||A||^2 max w (from the operator's cached norm bound).
/// prox_{tau f}(v) solves (A^H W A + I / tau) x = A^H W y + v / tau: in closed form through the
/// operator's normal solve when it has one and there are no weights, else by conjugate gradients
/// started from v (relative residual 1e-10 in double, 1e-5 in single, at most `cgIterations`).
/// prox_{sigma f*} follows from the Moreau identity.
///
/// Holds work buffers sized at creation, so applying allocates nothing: it is stateful (one call at
/// a time).
public final class LeastSquares: Functional {
    public let forwardModel: LinearOperator
    private let data: AlignedBuffer<UInt8>?      // y, output-shaped
    private let weights: AlignedBuffer<UInt8>?   // w, output-shaped, real
    private let maxWeight: Double
    private let adjointData: AlignedBuffer<UInt8> // A^H W y, input-shaped
    private let residual: AlignedBuffer<UInt8>    // output-shaped
    private let work: AlignedBuffer<UInt8>        // three input-shaped vectors for CG
    private let lipschitz: Double
    private let isTikhonov: Bool
    /// Most conjugate-gradient steps per prox.
    public var cgIterations = 500

    /// `data`: nil (zero) or the operator's output as reals (complex interleaved); `weights`: nil or
    /// one finite value >= 0 per output element.
    public init(operator a: LinearOperator, data: UnsafeBufferPointer<Double>?, weights: UnsafeBufferPointer<Double>?,
                tikhonov: Bool = false) throws {
        let outputReals = a.outputCount * a.outputType.components
        if let data {
            guard data.count == outputReals else {
                throw InverseKitError(.shape, "Invalid data: expected \(outputReals) reals (the operator's output \(a.outputShape) \(a.outputType)), got \(data.count)")
            }
            try requireFinite(data, "data", components: a.outputType.components)
        }
        if let weights {
            guard weights.count == a.outputCount else {
                throw InverseKitError(.shape, "Invalid weights: expected \(a.outputCount) elements (the operator's output \(a.outputShape)), got \(weights.count)")
            }
            try requireFinite(weights, "weights")
            if let bad = weights.firstIndex(where: { $0 < 0 }) {
                throw InverseKitError(.invalidArgument, "Invalid weights: must be >= 0, element \(bad) is \(weights[bad])")
            }
        }
        forwardModel = a
        isTikhonov = tikhonov
        self.data = try data.map { try AlignedBuffer(reals: $0, precision: a.precision) }
        self.weights = try weights.map { try AlignedBuffer(reals: $0, precision: a.precision) }
        maxWeight = weights.map { $0.max() ?? 1 } ?? 1
        adjointData = try AlignedBuffer(count: a.inputBytes)
        residual = try AlignedBuffer(count: a.outputBytes)
        work = try AlignedBuffer(count: 3 * a.inputBytes)
        let norm = try a.normUpperBound()
        lipschitz = norm * norm * maxWeight
        try super.init(shape: a.inputShape, type: a.inputType, moreauScratch: true)
        // A^H W y, once.
        let r = UnsafeMutableRawPointer(residual.pointer)
        if let y = self.data {
            UnsafeMutableRawPointer(r).copyMemory(from: y.pointer, byteCount: a.outputBytes)
            applyWeights(r)
        } else {
            r.initializeMemory(as: UInt8.self, repeating: 0, count: a.outputBytes)
        }
        try a.applyAdjoint(r, into: UnsafeMutableRawPointer(adjointData.pointer))
    }

    /// Generalised Tikhonov (1/2) ||L x||^2.
    public convenience init(tikhonov l: LinearOperator) throws {
        try self.init(operator: l, data: nil, weights: nil, tikhonov: true)
    }

    public convenience init(operator a: LinearOperator, data: [Double], weights: [Double]? = nil) throws {
        let y = try AlignedBuffer(copying: data)
        let w = try weights.map { try AlignedBuffer(copying: $0) }
        try self.init(operator: a, data: y.buffer, weights: w?.buffer)
    }

    override public var name: String { isTikhonov ? "Tikhonov" : (weights == nil ? "least squares" : "weighted least squares") }
    override public var capabilities: FunctionalCapabilities {
        [.value, .gradient, .prox, .proxConjugate, .lipschitz, .stateful]
    }
    override public var gradientLipschitz: Double { lipschitz }
    override public var isQuadratic: Bool { true }

    override package var leastSquaresForm: LeastSquaresForm? {
        LeastSquaresForm(scale: 1, operators: [forwardModel], offset: data.map { UnsafeRawPointer($0.pointer) },
                         weights: weights.map { UnsafeRawPointer($0.pointer) }, owners: [self])
    }

    /// Whether the prox is solved in closed form (else by conjugate gradients).
    public var hasClosedFormProx: Bool { weights == nil && forwardModel.hasNormalSolve }

    private var outputReals: Int { forwardModel.outputCount * forwardModel.outputType.components }

    /// residual = A x - y.
    private func formResidual(_ x: UnsafeRawPointer) throws -> UnsafeMutableRawPointer {
        let r = UnsafeMutableRawPointer(residual.pointer)
        try forwardModel.apply(x, into: r)
        if let y = data { Reals.combine(precision, 1, r, -1, UnsafeRawPointer(y.pointer), into: r, outputReals) }
        return r
    }

    /// r = W r (each element's parts times its weight).
    private func applyWeights(_ r: UnsafeMutableRawPointer) {
        guard let w = weights else { return }
        let components = forwardModel.outputType.components, n = forwardModel.outputCount
        switch precision {
        case .single: Self.weigh(r.assumingMemoryBound(to: Float.self), UnsafeRawPointer(w.pointer).assumingMemoryBound(to: Float.self), n, components)
        case .double: Self.weigh(r.assumingMemoryBound(to: Double.self), UnsafeRawPointer(w.pointer).assumingMemoryBound(to: Double.self), n, components)
        }
    }

    private static func weigh<T: BinaryFloatingPoint>(_ r: UnsafeMutablePointer<T>, _ w: UnsafePointer<T>, _ n: Int,
                                                      _ components: Int) {
        for i in 0..<n { for c in 0..<components { r[components * i + c] *= w[i] } }
    }

    override public func evaluate(_ x: UnsafeRawPointer) throws -> Double {
        let r = try formResidual(x)
        guard weights != nil else { return 0.5 * Reals.dot(precision, r, r, outputReals) }
        // (1/2) sum_j w_j |r_j|^2, term by term.
        switch precision {
        case .single: return 0.5 * weightedSquares(r.assumingMemoryBound(to: Float.self))
        case .double: return 0.5 * weightedSquares(r.assumingMemoryBound(to: Double.self))
        }
    }

    private func weightedSquares<T: BinaryFloatingPoint>(_ r: UnsafePointer<T>) -> Double {
        let w = UnsafeRawPointer(weights!.pointer).assumingMemoryBound(to: T.self)
        let components = forwardModel.outputType.components
        var total = 0.0
        for i in 0..<forwardModel.outputCount {
            var square = 0.0
            for c in 0..<components { let v = Double(r[components * i + c]); square += v * v }
            total += Double(w[i]) * square
        }
        return total
    }

    override public func computeGradient(_ x: UnsafeRawPointer, into g: UnsafeMutableRawPointer) throws {
        let r = try formResidual(x)
        applyWeights(r)
        try forwardModel.applyAdjoint(r, into: g)
    }

    override public func computeProx(_ v: UnsafeRawPointer, step tau: Double, into x: UnsafeMutableRawPointer) throws {
        let rho = 1 / tau, n = realCount
        let b = UnsafeMutableRawPointer(work.pointer)   // right-hand side A^H W y + rho v
        Reals.combine(precision, 1, UnsafeRawPointer(adjointData.pointer), rho, v, into: b, n)
        if hasClosedFormProx {
            // (A^H A + rho I) x = b.
            try forwardModel.solveNormal(rho: rho, b, into: x)
            return
        }
        try conjugateGradients(rho: rho, b: b, start: v, into: x)
    }

    /// x = (A^H W A + rho I)^{-1} b by conjugate gradients from `start` (which may be x).
    private func conjugateGradients(rho: Double, b: UnsafeMutableRawPointer, start: UnsafeRawPointer,
                                    into x: UnsafeMutableRawPointer) throws {
        let n = realCount, bytes = forwardModel.inputBytes
        let p = UnsafeMutableRawPointer(work.pointer) + bytes, q = p + bytes
        Reals.copy(precision, start, into: x, n)
        // r = b - M x, kept in b's buffer.
        try normalApply(rho, x, into: q)
        Reals.combine(precision, 1, b, -1, q, into: b, n)
        let r = b
        let bNorm = Reals.dot(precision, UnsafeRawPointer(adjointData.pointer), UnsafeRawPointer(adjointData.pointer), n)
        let target = (precision == .single ? 1e-5 : 1e-10)
        var rr = Reals.dot(precision, r, r, n)
        let scale = max(bNorm, rr, Double.leastNormalMagnitude).squareRoot()
        Reals.copy(precision, r, into: p, n)
        var iteration = 0
        while rr.squareRoot() > target * scale && iteration < cgIterations {
            try normalApply(rho, p, into: q)
            let pq = Reals.dot(precision, p, q, n)
            guard pq > 0, pq.isFinite else { break }
            let alpha = rr / pq
            Reals.combine(precision, 1, x, alpha, p, into: x, n)
            Reals.combine(precision, 1, r, -alpha, q, into: r, n)
            let next = Reals.dot(precision, r, r, n)
            Reals.combine(precision, 1, r, next / rr, p, into: p, n)
            rr = next
            iteration += 1
        }
        guard Reals.allFinite(precision, x, n) else {
            throw InverseKitError(.notFinite, "\(name) prox: conjugate gradients produced a value that is not finite")
        }
    }

    /// out = (A^H W A + rho I) v.
    private func normalApply(_ rho: Double, _ v: UnsafeRawPointer, into out: UnsafeMutableRawPointer) throws {
        let r = UnsafeMutableRawPointer(residual.pointer)
        try forwardModel.apply(v, into: r)
        applyWeights(r)
        try forwardModel.applyAdjoint(r, into: out)
        Reals.combine(precision, 1, out, rho, v, into: out, realCount)
    }
}
