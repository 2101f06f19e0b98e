/// CGLS and LSQR for objectives whose every term is a (weighted) least-squares residual, the
/// problems of (generalised) Tikhonov regularisation: P(x) = sum_i (c_i/2) ||M_i K_i x - b_i||_W^2
/// (+ G of the same kind), stacked into (1/2) ||A x - b||^2 (`LeastSquaresSystem`). Both only apply
/// A and A^H, never A^H A, so they lose less to rounding than CG on the normal equations when A is
/// ill-conditioned: CGLS is CG on A^H A x = A^H b arranged around the residual (Hestenes and
/// Stiefel), LSQR the Golub-Kahan bidiagonalisation of Paige and Saunders (1982), mathematically
/// the same iterates and numerically the steadier of the two.
///
/// Certificate: P(x) - min P = (1/2) g^H (A^H A)^{-1} g <= ||g||^2 / (2 mu) for the true gradient
/// g = A^H (A x - b), evaluated afresh at each check, and mu <= lambda_min(A^H A), the sum of c over
/// the unweighted terms applied to x directly (a Tikhonov (mu/2) ||x||^2 term gives mu). Without
/// one there is no certificate and the run stops on relative change or at the iteration limit.
public enum KrylovLeastSquares {
    public enum Method: Sendable {
        case cgls, lsqr
        var name: String { self == .cgls ? "CGLS" : "LSQR" }
    }

    public static func solve(_ objective: CompositeObjective, x: UnsafeMutableRawPointer, method: Method,
                             options: SolverOptions = SolverOptions(), callback: SolverCallback? = nil) throws -> SolverInfo {
        let system = try LeastSquaresSystem(objective, method: method.name)
        let monitor = try SolverMonitor(objective: objective, options: options, callback: callback)
        let precision = objective.precision, n = objective.realCount, bytes = objective.bytes
        let outputBytes = max(system.outputReals * (precision == .single ? 4 : 8), 1)
        let inputs = try WorkVectors(count: 5, bytes: bytes)
        let outputs = try WorkVectors(count: 3, bytes: outputBytes)
        defer { withExtendedLifetime((inputs, outputs, system)) {} }
        let current = inputs[0]
        if options.warmStart {
            guard Reals.allFinite(precision, x, n) else { throw InverseKitError(.notFinite, "Invalid x: the warm start is not finite") }
            current.copyMemory(from: x, byteCount: bytes)
        }
        let mu = system.strongConvexity
        let m = system.outputReals
        let b = UnsafeRawPointer(system.data.pointer)

        /// The check: P(x) from the objective, the dual bound from the true gradient.
        func check(_ k: Int) throws -> StopReason? {
            let residual = outputs[2], gradient = inputs[4]
            try system.apply(current, into: residual)
            Reals.combine(precision, 1, residual, -1, b, into: residual, m)
            try system.applyAdjoint(residual, into: gradient)
            let gg = Reals.dot(precision, gradient, gradient, n)
            let change = gg.squareRoot() / max(Reals.dot(precision, current, current, n).squareRoot(), .leastNormalMagnitude)
            return try monitor.check(iteration: k, x: current, duals: [], change: change,
                                     dualValue: mu > 0 ? { p in p - gg / (2 * mu) } : nil)
        }

        var reason = StopReason.maxIterations
        var done = 0
        switch method {
        case .cgls:
            var cgls = try CGLSIteration(system, x: current, residual: outputs[0], q: outputs[1], s: inputs[1],
                                         p: inputs[2], precision: precision, inputReals: n)
            for k in 1...options.maxIterations {
                done = k
                let exhausted = try !cgls.step()
                if exhausted || k % options.checkInterval == 0 || k == options.maxIterations {
                    if let stop = try check(k) { reason = stop; break }
                    if exhausted { break }
                }
            }
        case .lsqr:
            let u = outputs[0], av = outputs[1], v = inputs[1], w = inputs[2], ahu = inputs[3]
            // beta u = b - A x0, alpha v = A^H u.
            try system.apply(current, into: u)
            Reals.combine(precision, -1, u, 1, b, into: u, m)
            var beta = Reals.dot(precision, u, u, m).squareRoot()
            if beta > 0 { Reals.scale(precision, 1 / beta, u, m) }
            try system.applyAdjoint(u, into: v)
            var alpha = Reals.dot(precision, v, v, n).squareRoot()
            if alpha > 0 { Reals.scale(precision, 1 / alpha, v, n) }
            Reals.copy(precision, v, into: w, n)
            var phiBar = beta, rhoBar = alpha
            for k in 1...options.maxIterations {
                done = k
                let exhausted = !(beta > 0 && alpha > 0) // b - A x0 is 0, or A^H of it is
                if !exhausted {
                    // beta u = A v - alpha u
                    try system.apply(v, into: av)
                    Reals.combine(precision, 1, av, -alpha, u, into: u, m)
                    beta = Reals.dot(precision, u, u, m).squareRoot()
                    if beta > 0 { Reals.scale(precision, 1 / beta, u, m) }
                    // alpha v = A^H u - beta v
                    try system.applyAdjoint(u, into: ahu)
                    Reals.combine(precision, 1, ahu, -beta, v, into: v, n)
                    alpha = Reals.dot(precision, v, v, n).squareRoot()
                    if alpha > 0 { Reals.scale(precision, 1 / alpha, v, n) }
                    // The plane rotation that eliminates beta.
                    let rho = (rhoBar * rhoBar + beta * beta).squareRoot()
                    let c = rhoBar / rho, s = beta / rho
                    let theta = s * alpha
                    rhoBar = -c * alpha
                    let phi = c * phiBar
                    phiBar = s * phiBar
                    Reals.combine(precision, 1, current, phi / rho, w, into: current, n)
                    Reals.combine(precision, 1, v, -theta / rho, w, into: w, n)
                }
                if exhausted || k % options.checkInterval == 0 || k == options.maxIterations {
                    if let stop = try check(k) { reason = stop; break }
                    if exhausted { break }
                }
            }
        }
        x.copyMemory(from: monitor.bestIterate, byteCount: bytes)
        return monitor.finish(reason, iterations: done)
    }
}
