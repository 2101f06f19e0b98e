/// Helpers that treat any operator buffer as `count * components` reals of one precision, which is
/// all that elementwise work (filling, inner products, norms) needs.
enum RealView {
    /// Fills `reals` numbers at `p` with uniform values in [-1, 1).
    static func fillRandom(_ p: UnsafeMutableRawPointer, reals: Int, precision: ScalarType.Precision,
                           _ rng: inout SplitMix64) {
        switch precision {
        case .single:
            let f = p.assumingMemoryBound(to: Float.self)
            for i in 0..<reals { f[i] = Float(rng.symmetric()) }
        case .double:
            let d = p.assumingMemoryBound(to: Double.self)
            for i in 0..<reals { d[i] = rng.symmetric() }
        }
    }

    /// <a, b> = sum conj(a_i) b_i in Double, as (real, imaginary); for real data the imaginary part is 0.
    static func inner(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int, type: ScalarType) -> (Double, Double) {
        switch type.precision {
        case .single: return inner(Float.self, a, b, count, type.isComplex)
        case .double: return inner(Double.self, a, b, count, type.isComplex)
        }
    }

    private static func inner<T: BinaryFloatingPoint>(_: T.Type, _ a: UnsafeRawPointer, _ b: UnsafeRawPointer,
                                                      _ count: Int, _ complex: Bool) -> (Double, Double) {
        let x = a.assumingMemoryBound(to: T.self), y = b.assumingMemoryBound(to: T.self)
        var re = 0.0, im = 0.0
        if complex {
            for i in 0..<count {
                let ar = Double(x[2 * i]), ai = Double(x[2 * i + 1]), br = Double(y[2 * i]), bi = Double(y[2 * i + 1])
                re += ar * br + ai * bi
                im += ar * bi - ai * br
            }
        } else {
            for i in 0..<count { re += Double(x[i]) * Double(y[i]) }
        }
        return (re, im)
    }

    static func norm(_ a: UnsafeRawPointer, count: Int, type: ScalarType) -> Double {
        inner(a, a, count: count, type: type).0.squareRoot()
    }

    /// a *= s over `reals` numbers.
    static func scale(_ a: UnsafeMutableRawPointer, reals: Int, precision: ScalarType.Precision, by s: Double) {
        switch precision {
        case .single:
            let f = a.assumingMemoryBound(to: Float.self), fs = Float(s)
            for i in 0..<reals { f[i] *= fs }
        case .double:
            let d = a.assumingMemoryBound(to: Double.self)
            for i in 0..<reals { d[i] *= s }
        }
    }

    /// y += s * x over `reals` numbers.
    static func axpy(_ s: Double, _ x: UnsafeRawPointer, _ y: UnsafeMutableRawPointer, reals: Int,
                     precision: ScalarType.Precision) {
        switch precision {
        case .single:
            let xf = x.assumingMemoryBound(to: Float.self), yf = y.assumingMemoryBound(to: Float.self), fs = Float(s)
            for i in 0..<reals { yf[i] += fs * xf[i] }
        case .double:
            let xd = x.assumingMemoryBound(to: Double.self), yd = y.assumingMemoryBound(to: Double.self)
            for i in 0..<reals { yd[i] += s * xd[i] }
        }
    }
}
