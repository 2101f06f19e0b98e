/// Accelerated proximal gradient (FISTA, Beck and Teboulle) for
///     min_x sum_i F_i(K_i x) + G(x)
/// with smooth F_i (gradient, Lipschitz constant L_i) and G reached through its prox:
///     x+ <- prox_{t G}(z - t grad(z)),   z <- x+ + ((a - 1) / a+) (x+ - x),   a+ = (1 + sqrt(1 + 4 a^2)) / 2.
/// The step is t = 1 / L with L = sum_i L_i ||K_i||^2 (the operators' cached upper bounds), or found
/// by backtracking (halving t until F(x+) <= F(z) + <grad, x+ - z> + ||x+ - z||^2 / (2 t)) when a
/// Lipschitz constant is unknown or asked for. Adaptive restart (O'Donoghue and Candes' gradient
/// test) resets the momentum when it points uphill. `accelerate: false` runs plain ISTA.
///
/// The certificate pairs x with the dual points y_i = grad F_i(K_i x) (`CompositeObjective.dual`):
/// for the Lasso and other problems where G* becomes finite after scaling this is the classical
/// duality gap, which tends to 0. When G is total variation, whose conjugate has no evaluation, the
/// TV prox's own dual completes the pair (`TVSplitCertificate`).
public enum ProximalGradient {
    public struct Settings: Sendable {
        /// A fixed step t <= 1 / L; nil uses 1 / L (or backtracking).
        public var step: Double? = nil
        public var backtracking: Bool = false
        public var restart: Bool = true
        public var accelerate: Bool = true
        public init() {}
    }

    public static func solve(_ objective: CompositeObjective, x: UnsafeMutableRawPointer, settings: Settings = Settings(),
                             options: SolverOptions = SolverOptions(), callback: SolverCallback? = nil) throws -> SolverInfo {
        let terms = objective.terms
        for (i, term) in terms.enumerated() where !term.functional.capabilities.contains(.gradient) {
            throw InverseKitError(.invalidArgument, "Invalid terms[\(i)]: \(term.functional.name) has no gradient; the proximal gradient method needs smooth terms (put it in g, or use the primal-dual method)")
        }
        if let g = objective.g, !g.capabilities.contains(.prox) {
            throw InverseKitError(.invalidArgument, "Invalid g: \(g.name) has no prox")
        }
        var lipschitz = 0.0
        var known = true
        for term in terms {
            guard term.functional.capabilities.contains(.lipschitz) else { known = false; break }
            let k = try term.linearOperator?.normUpperBound() ?? 1
            lipschitz += term.functional.gradientLipschitz * k * k
        }
        let backtracking = settings.backtracking || !known
        var t: Double
        if let step = settings.step {
            guard step.isFinite, step > 0 else {
                throw InverseKitError(.invalidArgument, "Invalid step: expected a finite value > 0, got \(step)")
            }
            if known && !backtracking && step > 1 / lipschitz {
                throw InverseKitError(.invalidArgument, "Invalid step: \(step) exceeds 1 / L = \(1 / lipschitz), the convergence bound")
            }
            t = step
        } else {
            t = known && lipschitz > 0 ? 1 / lipschitz : 1
        }
        let monitor = try SolverMonitor(objective: objective, options: options, callback: callback)
        let precision = objective.precision, n = objective.realCount, bytes = objective.bytes
        let work = try WorkVectors(count: 5, bytes: bytes)
        let current = work[0], previous = work[1], z = work[2], gradient = work[3], scratch = work[4]
        let termWork = try terms.map { try WorkVectors(count: 1, bytes: $0.functional.bytes) }
        let images = termWork.map { $0[0] }
        let candidates: [[UnsafeRawPointer]] = [images.map { UnsafeRawPointer($0) }]
        // G = TV: certified through TV's dual (the composite dual needs TV's conjugate).
        let tvSplit = try TVSplitCertificate(objective)
        // The loop reaches the buffers through raw pointers: keep their owners alive to the end.
        defer { withExtendedLifetime((work, termWork)) {} }
        if options.warmStart {
            guard Reals.allFinite(precision, x, n) else { throw InverseKitError(.notFinite, "Invalid x: the warm start is not finite") }
            current.copyMemory(from: x, byteCount: bytes)
        }
        z.copyMemory(from: current, byteCount: bytes)

        // F(v) and grad F(v) (into `into`), term by term.
        func smooth(_ v: UnsafeRawPointer, gradientInto g: UnsafeMutableRawPointer?) throws -> Double {
            var value = 0.0
            if let g { g.initializeMemory(as: UInt8.self, repeating: 0, count: bytes) }
            for i in terms.indices {
                try objective.image(i, v, into: images[i])
                if g == nil || backtracking { value += try terms[i].functional.value(images[i]) }
                if let g {
                    try terms[i].functional.gradient(images[i], into: images[i])
                    try objective.adjointImage(i, images[i], into: scratch)
                    Reals.combine(precision, 1, g, 1, scratch, into: g, n)
                }
            }
            return value
        }

        var a = 1.0
        var reason = StopReason.maxIterations
        var done = 0
        for k in 1...options.maxIterations {
            previous.copyMemory(from: current, byteCount: bytes)
            let fz = try smooth(z, gradientInto: gradient)
            while true {
                Reals.combine(precision, 1, z, -t, gradient, into: current, n)
                if let g = objective.g { try g.prox(current, step: t, into: current) }
                guard backtracking else { break }
                // F(x+) <= F(z) + <grad, x+ - z> + ||x+ - z||^2 / (2 t)?
                let fx = try smooth(current, gradientInto: nil)
                let linear = Reals.dot(precision, gradient, current, n) - Reals.dot(precision, gradient, z, n)
                let distance = Reals.squaredDistance(precision, current, z, n)
                if fx <= fz + linear + distance / (2 * t) * (1 + 1e-12) || t < 1e-300 { break }
                t *= 0.5
            }
            // Momentum, reset when it points uphill: <z - x+, x+ - x> > 0.
            var next = settings.accelerate ? (1 + (1 + 4 * a * a).squareRoot()) / 2 : 1
            if settings.accelerate && settings.restart {
                let uphill = Reals.dot(precision, z, current, n) - Reals.dot(precision, z, previous, n)
                    - Reals.dot(precision, current, current, n) + Reals.dot(precision, current, previous, n)
                if uphill > 0 { a = 1; next = 1 }
            }
            let beta = (a - 1) / next
            Reals.combine(precision, 1 + beta, current, -beta, previous, into: z, n)
            a = next
            done = k
            if k % options.checkInterval == 0 || k == options.maxIterations {
                // Dual points: the gradients of the terms at x.
                for i in terms.indices {
                    try objective.image(i, current, into: images[i])
                    try terms[i].functional.gradient(images[i], into: images[i])
                }
                let change = relativeChange(precision, current, previous, n)
                let splitDual = try tvSplit?.dual(candidates[0], step: t)
                if let stop = try monitor.check(iteration: k, x: current, duals: tvSplit == nil ? candidates : [],
                                                change: change, dualValue: splitDual.map { d in { _ in d } }) {
                    reason = stop
                    break
                }
            }
        }
        x.copyMemory(from: monitor.bestIterate, byteCount: bytes)
        var info = monitor.finish(reason, iterations: done)
        info.primalStep = t
        return info
    }
}
