/// Conjugate gradients for quadratic objectives P(x) = sum_i F_i(K_i x) + G(x) with every term
/// quadratic (least squares, Tikhonov, squared norms, and their scaled, translated and composed
/// forms): the normal equations H x = b of (generalised) Tikhonov regularisation, solved without
/// forming H, through the terms' gradients (H v = grad P(v) - grad P(0)).
///
/// Certificate: P(x) - min P = (1/2) g^T H^{-1} g <= ||g||^2 / (2 mu) for g = grad P(x) and
/// mu <= lambda_min(H), the sum of the strong-convexity moduli of the terms applied to x directly
/// (a (mu/2) ||x||^2 term gives mu). Without such a term there is no certificate and the run stops
/// on relative change or at the iteration limit.
public enum ConjugateGradient {
    public static func solve(_ objective: CompositeObjective, x: UnsafeMutableRawPointer,
                             options: SolverOptions = SolverOptions(), callback: SolverCallback? = nil) throws -> SolverInfo {
        let parts = objective.terms.map(\.functional) + (objective.g.map { [$0] } ?? [])
        for (i, f) in parts.enumerated() where !(f.isQuadratic && f.capabilities.contains(.gradient)) {
            let where_ = i < objective.terms.count ? "terms[\(i)]" : "g"
            throw InverseKitError(.invalidArgument, "Invalid \(where_): \(f.name) is not quadratic; conjugate gradients minimise sums of quadratic terms")
        }
        var mu = objective.g?.strongConvexity ?? 0
        for term in objective.terms where term.linearOperator == nil { mu += term.functional.strongConvexity }
        let monitor = try SolverMonitor(objective: objective, options: options, callback: callback)
        let precision = objective.precision, n = objective.realCount, bytes = objective.bytes
        let work = try WorkVectors(count: 7, bytes: bytes)
        let current = work[0], residual = work[1], direction = work[2], product = work[3], offset = work[4], scratch = work[5]
        let trueGradient = work[6]
        let termWork = try objective.terms.map { try WorkVectors(count: 1, bytes: $0.functional.bytes) }
        let images = termWork.map { $0[0] }
        // The loop reaches the buffers through raw pointers: keep their owners alive to the end.
        defer { withExtendedLifetime((work, termWork)) {} }

        func gradient(_ v: UnsafeRawPointer, into out: UnsafeMutableRawPointer) throws {
            if let g = objective.g { try g.gradient(v, into: out) } else { out.initializeMemory(as: UInt8.self, repeating: 0, count: bytes) }
            for i in objective.terms.indices {
                try objective.image(i, v, into: images[i])
                try objective.terms[i].functional.gradient(images[i], into: images[i])
                try objective.adjointImage(i, images[i], into: scratch)
                Reals.combine(precision, 1, out, 1, scratch, into: out, n)
            }
        }

        if options.warmStart {
            guard Reals.allFinite(precision, x, n) else { throw InverseKitError(.notFinite, "Invalid x: the warm start is not finite") }
            current.copyMemory(from: x, byteCount: bytes)
        }
        // grad P(0) = -b; r = b - H x = -grad P(x).
        try gradient(direction, into: offset) // direction is zero here
        try gradient(current, into: residual)
        Reals.scale(precision, -1, residual, n)
        direction.copyMemory(from: residual, byteCount: bytes)
        var rr = Reals.dot(precision, residual, residual, n)
        var reason = StopReason.maxIterations
        var done = 0
        for k in 1...options.maxIterations {
            // H p = grad P(p) - grad P(0).
            try gradient(direction, into: product)
            Reals.combine(precision, 1, product, -1, offset, into: product, n)
            let pHp = Reals.dot(precision, direction, product, n)
            done = k
            var exhausted = false
            if pHp > 0 && rr > 0 {
                let alpha = rr / pHp
                Reals.combine(precision, 1, current, alpha, direction, into: current, n)
                Reals.combine(precision, 1, residual, -alpha, product, into: residual, n)
                let next = Reals.dot(precision, residual, residual, n)
                Reals.combine(precision, 1, residual, next / rr, direction, into: direction, n)
                rr = next
            } else {
                exhausted = true // converged to rounding, or no curvature left
            }
            if exhausted || k % options.checkInterval == 0 || k == options.maxIterations {
                if let stop = try certifiedCheck(k, mu, monitor, current, trueGradient, gradient, n, precision) {
                    reason = stop
                    break
                }
                if exhausted { break }
            }
        }
        x.copyMemory(from: monitor.bestIterate, byteCount: bytes)
        return monitor.finish(reason, iterations: done)
    }

    /// A check whose dual value is P(x) - ||grad P(x)||^2 / (2 mu), with the true gradient.
    private static func certifiedCheck(_ k: Int, _ mu: Double, _ monitor: SolverMonitor, _ x: UnsafeMutableRawPointer,
                                       _ g: UnsafeMutableRawPointer,
                                       _ gradient: (UnsafeRawPointer, UnsafeMutableRawPointer) throws -> Void,
                                       _ n: Int, _ precision: ScalarType.Precision) throws -> StopReason? {
        // The recursive residual drifts from the true gradient; the certificate uses the latter,
        // computed into `g` (the recursion keeps its own residual).
        try gradient(x, g)
        let gg = Reals.dot(precision, g, g, n)
        let change = (gg.squareRoot()) / max(Reals.dot(precision, x, x, n).squareRoot(), .leastNormalMagnitude)
        return try monitor.check(iteration: k, x: x, duals: [], change: change, dualValue: mu > 0 ? { p in p - gg / (2 * mu) } : nil)
    }
}
