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
