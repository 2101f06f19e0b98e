/// Checks that work on any operator: the adjoint test.
extension LinearOperator {
    /// |<A x, y> - <x, A^H y>| / (||A x|| ||y||) for seeded random x and y: about machine
    /// precision (times a modest factor) for an exact adjoint, O(1) for a wrong one.
    public func adjointMismatch(seed: UInt64 = 0) throws -> Double {
        var rng = SplitMix64(seed: seed)
        return try withScratch(bytes: inputBytes * 2 + outputBytes * 2) { base in
            let x = base, ahy = base + inputBytes, y = base + 2 * inputBytes, ax = y + outputBytes
            RealView.fillRandom(x, reals: inputCount * inputType.components, precision: precision, &rng)
            RealView.fillRandom(y, reals: outputCount * outputType.components, precision: precision, &rng)
            try apply(x, into: ax)
            try applyAdjoint(y, into: ahy)
            let lhs = RealView.inner(ax, y, count: outputCount, type: outputType)
            let rhs = RealView.inner(x, ahy, count: inputCount, type: inputType)
            let scale = RealView.norm(ax, count: outputCount, type: outputType) *
                RealView.norm(y, count: outputCount, type: outputType)
            let diff = ((lhs.0 - rhs.0) * (lhs.0 - rhs.0) + (lhs.1 - rhs.1) * (lhs.1 - rhs.1)).squareRoot()
            return scale > 0 ? diff / scale : diff
        }
    }
}

/// The normal-solve check.
extension LinearOperator {
    /// ||(A^H A + rho I) x - b|| / ||b|| for x = solveNormal(rho, b) and a seeded random b: about
    /// machine precision for a correct closed form.
    public func normalSolveMismatch(rho: Double = 0.7, seed: UInt64 = 0) throws -> Double {
        guard hasNormalSolve else {
            throw InverseKitError(.invalidArgument, "Invalid operator: \(name) has no closed-form (A^H A + rho I)^-1")
        }
        var rng = SplitMix64(seed: seed)
        let reals = inputCount * inputType.components
        return try withScratch(bytes: inputBytes * 3 + outputBytes) { base in
            let b = base, x = base + inputBytes, check = base + 2 * inputBytes, image = base + 3 * inputBytes
            RealView.fillRandom(b, reals: reals, precision: precision, &rng)
            try solveNormal(rho: rho, b, into: x)
            try apply(x, into: image)
            try applyAdjoint(image, into: check)
            // check = A^H A x + rho x - b.
            Reals.combine(precision, 1, check, rho, x, into: check, reals)
            Reals.combine(precision, 1, check, -1, b, into: check, reals)
            let residual = Reals.dot(precision, check, check, reals).squareRoot()
            return residual / max(Reals.dot(precision, b, b, reals).squareRoot(), .leastNormalMagnitude)
        }
    }
}
