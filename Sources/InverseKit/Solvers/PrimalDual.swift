/// The primal-dual hybrid gradient method of Chambolle and Pock for
///     min_x sum_i F_i(K_i x) + G(x),
/// with every F_i reached through the prox of its conjugate and G through its prox:
///     y_i <- prox_{sigma F_i*}(y_i + sigma K_i xbar)
///     x+  <- prox_{tau G}(x - tau sum_i K_i^H y_i),   xbar <- x+ + theta (x+ - x).
/// It converges for tau sigma ||K||^2 < 1, K the stacked operator; ||K|| comes from the operators'
/// cached upper bounds (`normUpperBound`). By default tau = sigma = 0.99 / ||K||; the ratio
/// sigma / tau matters (on TV denoising tau = 0.05 converged eight times faster than the
/// default), so it can be set. When G is mu-strongly convex the accelerated variant (Chambolle and Pock's algorithm 2) updates
/// theta = 1 / sqrt(1 + 2 mu tau), tau <- theta tau, sigma <- sigma / theta each iteration.
///
/// Diagonal preconditioning (Pock and Chambolle 2011, alpha = 1) replaces the two scalars by
/// tau_j = 0.99 / sum_i |K_ij| per pixel and sigma_k = 0.99 / sum_j |K_kj| per element of each
/// separable term (one with a per-element conjugate prox); a term that is not separable (TV's
/// group norm) takes its smallest, 0.99 / max_k sum_j |(K_i)_kj|, as one scalar. The sums come
/// from the operators' `absoluteSums`. That satisfies ||Sigma^(1/2) K T^(1/2)|| <= 0.99 with no norm
/// estimate, and lets each term's dual step follow its own operator's scale instead of the
/// stacked norm (TV's sigma no longer shrinks with a projector's norm). A per-pixel tau needs a G
/// whose prox under a diagonal metric is its prox (none, or a box); for another G the smallest
/// tau_j is used for every pixel.
///
/// Every check evaluates P at the iterate and the certificate D at the dual iterate
/// (`CompositeObjective.dual`); the run stops at the requested relative gap, or, where no
/// certificate exists, on relative change. Work vectors are allocated once, before the first
/// iteration; the loop allocates nothing.
public enum PrimalDual {
    public struct Steps: Sendable {
        /// tau and sigma; nil picks 0.99 / ||K|| (or completes the one given).
        public var primal: Double? = nil
        public var dual: Double? = nil
        /// The over-relaxation theta in [0, 1] (1 by default).
        public var relaxation: Double = 1
        /// Use the accelerated schedule when G is strongly convex. Off by default: on TV
        /// denoising it reached a relative gap of 1e-9 more slowly than constant steps (its steps
        /// drift towards tiny tau and huge sigma, where the gap falls slowly).
        public var accelerate: Bool = false
        /// Diagonal preconditioning (see above) instead of tau and sigma from ||K||; then primal,
        /// dual and accelerate must be left unset.
        public var preconditioned: Bool = false
        public init() {}
    }

    /// Solves from x (read when options.warmStart, else zero) and writes the answer into x: the
    /// checked iterate with the lowest P. `dual` (optional, one buffer per term, each its
    /// functional's argument size) supplies a starting dual point and receives the final one.
    public static func solve(_ objective: CompositeObjective, x: UnsafeMutableRawPointer, duals: [UnsafeMutableRawPointer]? = nil,
                             steps: Steps = Steps(), options: SolverOptions = SolverOptions(),
                             callback: SolverCallback? = nil) throws -> SolverInfo {
        let terms = objective.terms
        guard !terms.isEmpty else {
            throw InverseKitError(.invalidArgument, "Invalid terms: the primal-dual method needs at least one term F_i(K_i x)")
        }
        for (i, term) in terms.enumerated() where !term.functional.capabilities.contains(.proxConjugate) {
            throw InverseKitError(.invalidArgument, "Invalid terms[\(i)]: \(term.functional.name) has no conjugate prox")
        }
        if let g = objective.g, !g.capabilities.contains(.prox) {
            throw InverseKitError(.invalidArgument, "Invalid g: \(g.name) has no prox")
        }
        if let duals, duals.count != terms.count {
            throw InverseKitError(.invalidArgument, "Invalid duals: expected \(terms.count) dual buffers, got \(duals.count)")
        }
        guard steps.relaxation >= 0, steps.relaxation <= 1 else {
            throw InverseKitError(.invalidArgument, "Invalid relaxation: expected a value in [0, 1], got \(steps.relaxation)")
        }
        var tau: Double, sigma: Double
        var sigmas: [Double], primalSteps: AlignedBuffer<UInt8>? = nil
        var dualSteps = [AlignedBuffer<UInt8>?](repeating: nil, count: terms.count)
        if steps.preconditioned {
            guard steps.primal == nil, steps.dual == nil, !steps.accelerate else {
                throw InverseKitError(.invalidArgument,
                                      "Invalid steps: diagonal preconditioning chooses tau and sigma itself (leave the primal and dual steps unset, no acceleration)")
            }
            let diagonal = try diagonalSteps(objective)
            sigmas = diagonal.sigmas
            primalSteps = diagonal.tau
            dualSteps = diagonal.dualSteps
            tau = diagonal.scalarTau
            sigma = sigmas.max() ?? 0
        } else {
            let norm = try objective.stackedNormBound()
            (tau, sigma) = try chooseSteps(steps, norm: norm)
            sigmas = [Double](repeating: sigma, count: terms.count)
        }
        let monitor = try SolverMonitor(objective: objective, options: options, callback: callback)
        let precision = objective.precision, n = objective.realCount, bytes = objective.bytes

        // x (current), previous x, xbar, an accumulator for sum K_i^H y_i and one adjoint image.
        let work = try WorkVectors(count: 5, bytes: bytes)
        // x and its predecessor swap buffers each iteration instead of being copied.
        var current = work[0], previous = work[1]
        let xbar = work[2], sum = work[3], adjoint = work[4]
        let termWork = try terms.map { try WorkVectors(count: 3, bytes: $0.functional.bytes) }
        let y = termWork.map { $0[0] }, image = termWork.map { $0[1] }
        // The dual iterate converges more slowly than x: at checks, the smooth terms' gradients at
        // K_i x (their optimal dual points once x is optimal) are tried as well.
        let induced = termWork.map { $0[2] }
        let smooth = terms.map { $0.functional.capabilities.contains(.gradient) }
        let candidates: [[UnsafeRawPointer]] = [y.map { UnsafeRawPointer($0) }]
            + (smooth.contains(true) ? [terms.indices.map { UnsafeRawPointer(smooth[$0] ? induced[$0] : y[$0]) }] : [])
        // The loop reaches the buffers through raw pointers: keep their owners alive to the end.
        defer { withExtendedLifetime((work, termWork)) {} }
        if options.warmStart {
            guard Reals.allFinite(precision, x, n) else {
                throw InverseKitError(.notFinite, "Invalid x: the warm start is not finite")
            }
            current.copyMemory(from: x, byteCount: bytes)
        }
        if let duals {
            for i in terms.indices { y[i].copyMemory(from: duals[i], byteCount: terms[i].functional.bytes) }
        }
        xbar.copyMemory(from: current, byteCount: bytes)
        let mu = objective.g?.strongConvexity ?? 0
        var theta = steps.relaxation
        var reason = StopReason.maxIterations
        var done = 0

        var calls = 0.0 // seconds in operator and prox calls
        func timed(_ call: () throws -> Void) rethrows {
            let start = monotonicSeconds()
            try call()
            calls += monotonicSeconds() - start
        }
        for k in 1...options.maxIterations {
            // Dual steps (an identity term reads xbar itself instead of a copy).
            for i in terms.indices {
                var kx = UnsafeRawPointer(xbar)
                if let k = terms[i].linearOperator {
                    try timed { try k.apply(xbar, into: image[i]) }
                    kx = UnsafeRawPointer(image[i])
                }
                let f = terms[i].functional
                if let steps = dualSteps[i] {
                    let s = UnsafeRawPointer(steps.pointer)
                    Reals.addProduct(precision, y[i], sign: 1, s, kx, into: image[i], f.realCount)
                    try timed { try f.proxConjugate(image[i], steps: s, stepScale: 1, into: y[i]) }
                } else {
                    Reals.combine(precision, 1, y[i], sigmas[i], kx, into: image[i], f.realCount)
                    try timed { try f.proxConjugate(image[i], step: sigmas[i], into: y[i]) }
                }
            }
            // Primal step: sum = sum_i K_i^H y_i, identity terms added without a copy.
            swap(&current, &previous)
            for i in terms.indices {
                let k = terms[i].linearOperator
                if i == 0 {
                    if let k { try timed { try k.applyAdjoint(y[0], into: sum) } } else { Reals.copy(precision, y[0], into: sum, n) }
                } else if let k {
                    try timed { try k.applyAdjoint(y[i], into: adjoint) }
                    Reals.combine(precision, 1, sum, 1, adjoint, into: sum, n)
                } else {
                    Reals.combine(precision, 1, sum, 1, y[i], into: sum, n)
                }
            }
            if let primalSteps {
                // x - T sum, then G's prox under the metric T (a box's is its clip, whatever T).
                Reals.addProduct(precision, previous, sign: -1, UnsafeRawPointer(primalSteps.pointer), sum, into: current, n)
            } else {
                Reals.combine(precision, 1, previous, -tau, sum, into: current, n)
            }
            if let g = objective.g { try timed { try g.prox(current, step: tau, into: current) } }
            if steps.accelerate && mu > 0 {
                theta = 1 / (1 + 2 * mu * tau).squareRoot()
                tau *= theta
                sigma /= theta
                for i in sigmas.indices { sigmas[i] = sigma }
            }
            // xbar = x+ + theta (x+ - x).
            Reals.combine(precision, 1 + theta, current, -theta, previous, into: xbar, n)
            done = k
            if k % options.checkInterval == 0 || k == options.maxIterations {
                let change = relativeChange(precision, current, previous, n)
                for i in terms.indices where smooth[i] {
                    try objective.image(i, current, into: induced[i])
                    try terms[i].functional.gradient(induced[i], into: induced[i])
                }
                if let stop = try monitor.check(iteration: k, x: current, duals: candidates, change: change) {
                    reason = stop
                    break
                }
            }
        }
        x.copyMemory(from: monitor.bestIterate, byteCount: bytes)
        if let duals {
            for i in terms.indices { duals[i].copyMemory(from: y[i], byteCount: terms[i].functional.bytes) }
        }
        monitor.callSeconds = calls
        var info = monitor.finish(reason, iterations: done)
        info.primalStep = tau
        info.dualStep = sigma
        return info
    }

    /// The diagonal preconditioner: per-pixel tau (in the working precision, one per real) and one
    /// sigma per term. `scalarTau` is the largest tau_j (for the report); when G needs a scalar
    /// step, tau is nil and `scalarTau` the smallest tau_j, used for every pixel.
    static func diagonalSteps(_ objective: CompositeObjective) throws
        -> (tau: AlignedBuffer<UInt8>?, scalarTau: Double, sigmas: [Double], dualSteps: [AlignedBuffer<UInt8>?]) {
        let count = objective.count
        let columns = try AlignedBuffer<Double>(repeating: 0, count: count)
        var sigmas: [Double] = [], dualSteps: [AlignedBuffer<UInt8>?] = []
        for (i, term) in objective.terms.enumerated() {
            guard let k = term.linearOperator else {
                // The identity: every row and column sum is 1.
                for j in 0..<count { columns.pointer[j] += 1 }
                sigmas.append(0.99)
                dualSteps.append(nil)
                continue
            }
            guard let sums = try k.absoluteSumBuffers() else {
                throw InverseKitError(.invalidArgument,
                                      "Invalid terms[\(i)]: \(k.name) has no known row and column sums of |K| for diagonal preconditioning")
            }
            for j in 0..<count { columns.pointer[j] += sums.columns.pointer[j] }
            let largestRow = UnsafeBufferPointer(start: sums.rows.pointer, count: k.outputCount).max() ?? 0
            sigmas.append(largestRow > 0 ? 0.99 / largestRow : 0.99)
            // A separable term takes one sigma per element (a row that is zero: the term's own).
            dualSteps.append(term.functional.hasDiagonalConjugateProx
                ? try perReal(sums.rows.pointer, k.outputCount, term.functional.type, objective.precision,
                              fallback: sigmas[i]) : nil)
        }
        // A pixel no operator reaches may take any step: the largest of the others'.
        let largestColumn = UnsafeBufferPointer(start: columns.pointer, count: count).max() ?? 0
        var smallestTau = Double.infinity, largestTau = 0.0
        for j in 0..<count where columns.pointer[j] > 0 {
            smallestTau = min(smallestTau, 0.99 / columns.pointer[j])
            largestTau = max(largestTau, 0.99 / columns.pointer[j])
        }
        guard largestColumn > 0, largestColumn.isFinite else {
            throw InverseKitError(.invalidArgument, "Invalid terms: the operators' column sums are \(largestColumn); no preconditioner exists")
        }
        let separable = objective.g == nil || objective.g is BoxIndicator
        guard separable else { return (nil, smallestTau, sigmas, dualSteps) }
        let tau = try perReal(columns.pointer, count, objective.type, objective.precision, fallback: largestTau)
        return (tau, largestTau, sigmas, dualSteps)
    }

    /// 0.99 / sums[k] per element, repeated over complex parts, in the working precision; `fallback`
    /// where a sum is 0 (an element no operator entry touches takes any step).
    private static func perReal(_ sums: UnsafePointer<Double>, _ count: Int, _ type: ScalarType,
                                _ precision: ScalarType.Precision, fallback: Double) throws -> AlignedBuffer<UInt8> {
        let components = type.components
        let steps = try AlignedBuffer<UInt8>(count: count * type.size)
        func fill<T: BinaryFloatingPoint>(_ t: UnsafeMutablePointer<T>) {
            for j in 0..<count {
                let step = T(sums[j] > 0 ? 0.99 / sums[j] : fallback)
                for r in 0..<components { t[j * components + r] = step }
            }
        }
        switch precision {
        case .single: fill(UnsafeMutableRawPointer(steps.pointer).assumingMemoryBound(to: Float.self))
        case .double: fill(UnsafeMutableRawPointer(steps.pointer).assumingMemoryBound(to: Double.self))
        }
        return steps
    }

    /// tau, sigma with tau sigma ||K||^2 < 1.
    static func chooseSteps(_ steps: Steps, norm: Double) throws -> (Double, Double) {
        for (name, value) in [("primal step", steps.primal), ("dual step", steps.dual)] {
            if let value, !(value.isFinite && value > 0) {
                throw InverseKitError(.invalidArgument, "Invalid \(name): expected a finite value > 0, got \(value)")
            }
        }
        let bound = 1 / max(norm * norm, .leastNormalMagnitude)
        switch (steps.primal, steps.dual) {
        case let (tau?, sigma?):
            guard tau * sigma < bound else {
                throw InverseKitError(.invalidArgument,
                                      "Invalid steps: tau sigma = \(tau * sigma) must be below 1 / ||K||^2 = \(bound) for convergence")
            }
            return (tau, sigma)
        case let (tau?, nil): return (tau, 0.99 * bound / tau)
        case let (nil, sigma?): return (0.99 * bound / sigma, sigma)
        case (nil, nil):
            let step = 0.99 / max(norm, .leastNormalMagnitude)
            return (step, step)
        }
    }
}

/// ||a - b|| / max(||a||, tiny).
func relativeChange(_ precision: ScalarType.Precision, _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Double {
    let d = Reals.squaredDistance(precision, a, b, n).squareRoot()
    return d / max(Reals.dot(precision, a, a, n).squareRoot(), .leastNormalMagnitude)
}
