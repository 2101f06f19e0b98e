/// Checks and measurements that work on any operator: the adjoint test and the operator norm.
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

    /// ||A||_2 by power iteration on A^H A from a seeded random start, stopped when the estimate
    /// changes by less than `tolerance` (relative) or after `maxIterations`.
    public func operatorNorm(seed: UInt64 = 0, tolerance: Double = 1e-6, maxIterations: Int = 1000) throws -> Double {
        guard tolerance.isFinite, tolerance >= 0 else {
            throw InverseKitError(.invalidArgument, "Invalid tolerance: expected a finite value >= 0, got \(tolerance)")
        }
        guard maxIterations >= 1 else {
            throw InverseKitError(.invalidArgument, "Invalid max_iterations: expected >= 1, got \(maxIterations)")
        }
        var rng = SplitMix64(seed: seed)
        let reals = inputCount * inputType.components
        return try withScratch(bytes: inputBytes * 2 + outputBytes) { base in
            let v = base, w = base + inputBytes, av = w + inputBytes
            RealView.fillRandom(v, reals: reals, precision: precision, &rng)
            var estimate = 0.0
            for _ in 0..<maxIterations {
                let length = RealView.norm(v, count: inputCount, type: inputType)
                guard length > 0 else { return 0 }
                RealView.scale(v, reals: reals, precision: precision, by: 1 / length)
                try apply(v, into: av)
                try applyAdjoint(av, into: w)
                // ||A v||^2 = <v, A^H A v> for unit v.
                let next = RealView.norm(av, count: outputCount, type: outputType)
                let converged = abs(next - estimate) <= tolerance * next
                estimate = next
                if converged { break }
                v.copyMemory(from: w, byteCount: inputBytes)
            }
            return estimate
        }
    }
}
