/// The alternating direction method of multipliers for P(x) = sum_i F_i(K_i x) + G(x), in scaled
/// form (Boyd et al. 2011, section 3.1.1). The least-squares terms (those with a
/// `LeastSquaresForm`: data terms, Tikhonov, squared norms) stay in the x-step; every other term,
/// and G unless it is least squares too, is split off as z_j = K_j x with its own multiplier u_j:
///     x   <- argmin  sum_LS (c/2) ||M K x - b||_W^2 + sum_j (rho/2) ||K_j x - z_j + u_j||^2
///     z_j <- prox_{F_j / rho}(K_j x + u_j)
///     u_j <- u_j + K_j x - z_j.
/// The x-step is solved in closed form when one block has an operator with a normal solve
/// (`LinearOperator.solveNormal`: periodic blur, single-coil Fourier, masks, ...) and every other
/// block is the identity: x = (A^H A + beta I)^-1 (...). Otherwise conjugate gradients on the
/// x-step's least-squares system (CGLS, from the previous x) run to a relative gradient of 1e-6
/// (1e-3 in float32) or `innerIterations`.
///
/// Certificate: the scaled multipliers give dual points y_j = rho u_j of the split terms, and the
/// least-squares terms' gradients at K_i x theirs; `CompositeObjective.dual` makes them feasible.
/// When G is split, the point certified and returned is its copy z_G, which lies in G's domain
/// (a box, x >= 0), not x, which reaches it only in the limit.
public enum ADMM {
    public struct Settings: Sendable {
        /// rho > 0, the penalty of the augmented Lagrangian.
        public var penalty: Double = 1
        /// Most CG steps per x-step (when it has no closed form).
        public var innerIterations: Int = 50
        public init() {}
    }

    /// A split term: z = K x with F's prox, and where it sits in the x-step's system.
    private struct Split {
        let functional: Functional
        let linearOperator: LinearOperator?
        /// Its index among the objective's terms, or nil for G.
        let term: Int?
        let block: Int
        let reals: Int
        let z: UnsafeMutableRawPointer, u: UnsafeMutableRawPointer, v: UnsafeMutableRawPointer
    }

    public static func solve(_ objective: CompositeObjective, x: UnsafeMutableRawPointer, settings: Settings = Settings(),
                             options: SolverOptions = SolverOptions(), callback: SolverCallback? = nil) throws -> SolverInfo {
        let rho = settings.penalty
        guard rho.isFinite, rho > 0 else {
            throw InverseKitError(.invalidArgument, "Invalid penalty: expected a finite value > 0, got \(rho)")
        }
        guard settings.innerIterations >= 1 else {
            throw InverseKitError(.invalidArgument, "Invalid inner iterations: expected >= 1, got \(settings.innerIterations)")
        }
        let precision = objective.precision, n = objective.realCount, bytes = objective.bytes
        let size = precision == .single ? 4 : 8
        // The x-step's blocks: least-squares terms (and G) as they are, split terms as rho/2 ||K x - v||^2.
        var parts: [(LeastSquaresForm, LinearOperator?)] = []
        var splitSpecs: [(Functional, LinearOperator?, Int?, Int)] = []
        var smoothTerms: [Int] = []
        for (i, term) in objective.terms.enumerated() {
            if let form = term.functional.leastSquaresForm {
                parts.append((form, term.linearOperator))
                smoothTerms.append(i)
            } else {
                splitSpecs.append((term.functional, term.linearOperator, i, parts.count))
                parts.append((LeastSquaresForm(scale: rho, operators: [], offset: nil, weights: nil, owners: []),
                              term.linearOperator))
            }
        }
        if let g = objective.g {
            if let form = g.leastSquaresForm {
                parts.append((form, nil))
            } else {
                splitSpecs.append((g, nil, nil, parts.count))
                parts.append((LeastSquaresForm(scale: rho, operators: [], offset: nil, weights: nil, owners: []), nil))
            }
        }
        for (f, _, term, _) in splitSpecs where !f.capabilities.contains(.prox) {
            throw InverseKitError(.invalidArgument, "Invalid \(term.map { "terms[\($0)]" } ?? "g"): \(f.name) has no prox, which ADMM needs of every term that is not least squares")
        }
        let system = try LeastSquaresSystem(parts: parts, count: objective.count, type: objective.type)
        let closedForm = Self.closedForm(parts)
        let monitor = try SolverMonitor(objective: objective, options: options, callback: callback)
        let inputs = try WorkVectors(count: 5, bytes: bytes)
        let outputs = try WorkVectors(count: 2, bytes: max(system.outputReals * size, 1))
        let splitWork = try splitSpecs.map { try WorkVectors(count: 3, bytes: max($0.0.bytes, 1)) }
        let gradients = try objective.terms.map { try WorkVectors(count: 1, bytes: max($0.functional.bytes, 1)) }
        defer { withExtendedLifetime((inputs, outputs, splitWork, gradients, system)) {} }
        let splits = splitSpecs.enumerated().map { j, spec in
            Split(functional: spec.0, linearOperator: spec.1, term: spec.2, block: spec.3,
                  reals: spec.0.realCount, z: splitWork[j][0], u: splitWork[j][1], v: splitWork[j][2])
        }
        let current = inputs[0], previous = inputs[1], s = inputs[2], p = inputs[3], scratch = inputs[4]
        if options.warmStart {
            guard Reals.allFinite(precision, x, n) else { throw InverseKitError(.notFinite, "Invalid x: the warm start is not finite") }
            current.copyMemory(from: x, byteCount: bytes)
        }
        // z_j = K_j x0 (feasible for G: its prox), u_j = 0.
        for split in splits {
            try image(split, current, into: split.z, precision)
            try split.functional.prox(split.z, step: 1 / rho, into: split.z)
            split.u.initializeMemory(as: UInt8.self, repeating: 0, count: split.functional.bytes)
        }
        let gSplit = splits.first { $0.term == nil }
        // The dual points the certificate tries, one per objective term.
        let duals: [UnsafeRawPointer] = objective.terms.indices.map { i in
            if let split = splits.first(where: { $0.term == i }) { return UnsafeRawPointer(split.u) }
            return UnsafeRawPointer(gradients[i][0])
        }
        var reason = StopReason.maxIterations
        var done = 0
        for k in 1...options.maxIterations {
            Reals.copy(precision, current, into: previous, n)
            // x-step.
            for split in splits {
                Reals.combine(precision, 1, split.z, -1, split.u, into: split.v, split.reals)
                system.setOffset(block: split.block, split.v)
            }
            if let closedForm {
                try solveClosedForm(closedForm, parts, splits, current, scratch, precision, n)
            } else {
                try innerSolve(system, current, outputs[0], outputs[1], s, p, settings.innerIterations, precision, n)
            }
            // z- and u-steps: t = K x + u, z = prox(t), u = t - z.
            for split in splits {
                try image(split, current, into: split.v, precision)
                Reals.combine(precision, 1, split.v, 1, split.u, into: split.v, split.reals)
                try split.functional.prox(split.v, step: 1 / rho, into: split.z)
                Reals.combine(precision, 1, split.v, -1, split.z, into: split.u, split.reals)
            }
            done = k
            if k % options.checkInterval == 0 || k == options.maxIterations {
                let candidate = gSplit.map { UnsafeRawPointer($0.z) } ?? UnsafeRawPointer(current)
                // Dual points: rho u_j (scaled in place, restored after), gradients of the smooth terms.
                for split in splits where split.term != nil { Reals.scale(precision, rho, split.u, split.reals) }
                for i in smoothTerms {
                    try objective.image(i, candidate, into: gradients[i][0])
                    try objective.terms[i].functional.gradient(gradients[i][0], into: gradients[i][0])
                }
                let change = relativeChange(precision, current, previous, n)
                let stop = try monitor.check(iteration: k, x: candidate, duals: [duals], change: change)
                for split in splits where split.term != nil { Reals.scale(precision, 1 / rho, split.u, split.reals) }
                if let stop {
                    reason = stop
                    break
                }
            }
        }
        x.copyMemory(from: monitor.bestIterate, byteCount: bytes)
        var info = monitor.finish(reason, iterations: done)
        info.primalStep = rho
        return info
    }

    private static func image(_ split: Split, _ x: UnsafeRawPointer, into out: UnsafeMutableRawPointer,
                              _ precision: ScalarType.Precision) throws {
        if let k = split.linearOperator { try k.apply(x, into: out) } else { Reals.copy(precision, x, into: out, split.reals) }
    }

    /// The x-step in closed form: the block (index, operator) with a normal solve and the scales
    /// of the identity blocks, when the blocks have that shape.
    private struct ClosedForm {
        let block: Int
        let a: LinearOperator
        let identities: [Int]
        let beta: Double
    }

    private static func closedForm(_ parts: [(LeastSquaresForm, LinearOperator?)]) -> ClosedForm? {
        var special: (Int, LinearOperator)? = nil
        var identities: [Int] = [], beta = 0.0
        for (i, (form, k)) in parts.enumerated() {
            let chain = (k.map { [$0] } ?? []) + form.operators
            if chain.isEmpty {
                guard form.weights == nil else { return nil }
                identities.append(i)
                beta += form.scale
                continue
            }
            guard special == nil, chain.count == 1, chain[0].hasNormalSolve, form.weights == nil else { return nil }
            special = (i, chain[0])
        }
        guard let (block, a) = special, beta > 0 else { return nil }
        return ClosedForm(block: block, a: a, identities: identities, beta: beta)
    }

    /// (alpha A^H A + beta I) x = alpha A^H b_A + sum_identity c_j b_j, i.e.
    /// x = solveNormal(beta / alpha, A^H b_A + sum_j (c_j / alpha) b_j).
    private static func solveClosedForm(_ form: ClosedForm, _ parts: [(LeastSquaresForm, LinearOperator?)], _ splits: [Split],
                                        _ x: UnsafeMutableRawPointer, _ rhs: UnsafeMutableRawPointer,
                                        _ precision: ScalarType.Precision, _ n: Int) throws {
        func offset(_ block: Int) -> UnsafeRawPointer? {
            if let split = splits.first(where: { $0.block == block }) { return UnsafeRawPointer(split.v) }
            return parts[block].0.offset
        }
        let alpha = parts[form.block].0.scale
        if let b = offset(form.block) {
            try form.a.applyAdjoint(b, into: rhs)
        } else {
            rhs.initializeMemory(as: UInt8.self, repeating: 0, count: n * (precision == .single ? 4 : 8))
        }
        for j in form.identities {
            if let b = offset(j) { Reals.combine(precision, 1, rhs, parts[j].0.scale / alpha, b, into: rhs, n) }
        }
        try form.a.solveNormal(rho: form.beta / alpha, UnsafeRawPointer(rhs), into: x)
    }

    /// CGLS on the x-step's system from the current x, to ||A^H r|| <= 1e-6 (float32: 1e-3) of
    /// its value at the start, or `iterations` steps.
    private static func innerSolve(_ system: LeastSquaresSystem, _ x: UnsafeMutableRawPointer,
                                   _ residual: UnsafeMutableRawPointer, _ q: UnsafeMutableRawPointer,
                                   _ s: UnsafeMutableRawPointer, _ p: UnsafeMutableRawPointer, _ iterations: Int,
                                   _ precision: ScalarType.Precision, _ n: Int) throws {
        var cgls = try CGLSIteration(system, x: x, residual: residual, q: q, s: s, p: p, precision: precision, inputReals: n)
        // Until ||A^H r|| has fallen by the relative tolerance, or the step budget is spent.
        let relative = precision == .single ? 1e-3 : 1e-6
        let target = cgls.gamma * relative * relative
        for _ in 0..<iterations {
            guard cgls.gamma > target, try cgls.step() else { return }
        }
    }
}
