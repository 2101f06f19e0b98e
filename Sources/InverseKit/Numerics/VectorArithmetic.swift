/// The elementwise and reduction operations that solvers, functionals and samplers are made of,
/// on flat arrays of reals (complex data interleaved, so that Re<a, b> is the real dot product).
/// Loops run on lane vectors; reductions accumulate in Double whatever the storage precision, so a
/// float32 objective or certificate is as accurate as its inputs allow. The precision-dispatching
/// entry points split large arrays between the pool's threads (`ParallelLoops`).
package enum Reals {
    /// z = a x + b y (z may be x or y).
    @inline(__always)
    static func combine<T: LaneScalar>(_ a: T, _ x: UnsafePointer<T>, _ b: T, _ y: UnsafePointer<T>,
                                              into z: UnsafeMutablePointer<T>, _ n: Int) {
        let w = T.Lanes.width, va = T.Lanes(repeating: a), vb = T.Lanes(repeating: b)
        var i = 0
        while i + w <= n {
            T.Lanes.fma(va, T.Lanes.load(x + i), vb * T.Lanes.load(y + i)).store(to: z + i)
            i += w
        }
        while i < n { z[i] = a * x[i] + b * y[i]; i += 1 }
    }

    /// z = x + s t * y elementwise, s = +1 or -1 (z may be x or y).
    @inline(__always)
    static func addProduct<T: LaneScalar>(_ x: UnsafePointer<T>, _ sign: T, _ t: UnsafePointer<T>, _ y: UnsafePointer<T>,
                                          into z: UnsafeMutablePointer<T>, _ n: Int) {
        let w = T.Lanes.width, vs = T.Lanes(repeating: sign)
        var i = 0
        while i + w <= n {
            T.Lanes.fma(vs * T.Lanes.load(t + i), T.Lanes.load(y + i), T.Lanes.load(x + i)).store(to: z + i)
            i += w
        }
        while i < n { z[i] = x[i] + sign * t[i] * y[i]; i += 1 }
    }

    /// y = a x (y may be x).
    @inline(__always)
    static func scale<T: LaneScalar>(_ a: T, _ x: UnsafePointer<T>, into y: UnsafeMutablePointer<T>, _ n: Int) {
        let w = T.Lanes.width, va = T.Lanes(repeating: a)
        var i = 0
        while i + w <= n { (va * T.Lanes.load(x + i)).store(to: y + i); i += w }
        while i < n { y[i] = a * x[i]; i += 1 }
    }

    /// x = clamp(x, lower, upper) (lower <= upper).
    @inline(__always)
    static func clip<T: LaneScalar>(_ x: UnsafeMutablePointer<T>, _ n: Int, _ lower: T, _ upper: T) {
        let w = T.Lanes.width, lo = T.Lanes(repeating: lower), hi = T.Lanes(repeating: upper)
        var i = 0
        while i + w <= n { T.Lanes.minimum(T.Lanes.maximum(T.Lanes.load(x + i), lo), hi).store(to: x + i); i += w }
        while i < n { x[i] = Swift.min(Swift.max(x[i], lower), upper); i += 1 }
    }

    /// sum_i x_i y_i, accumulated in Double.
    @inline(__always)
    static func dot<T: LaneScalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ n: Int) -> Double {
        let w = T.Lanes.width
        var acc = DoubleLanes(repeating: 0)
        var i = 0
        while i + w <= n {
            let a = T.Lanes.load(x + i), b = T.Lanes.load(y + i)
            for part in 0..<T.Lanes.wideParts { acc = DoubleLanes.fma(a.wide(part), b.wide(part), acc) }
            i += w
        }
        var total = acc.sum()
        while i < n { total += Double(x[i]) * Double(y[i]); i += 1 }
        return total
    }

    /// sum_i x_i^2, accumulated in Double.
    @inline(__always)
    static func squaredNorm<T: LaneScalar>(_ x: UnsafePointer<T>, _ n: Int) -> Double {
        dot(x, x, n)
    }

    /// sum_i (x_i - y_i)^2, accumulated in Double.
    @inline(__always)
    static func squaredDistance<T: LaneScalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ n: Int) -> Double {
        let w = T.Lanes.width
        var acc = DoubleLanes(repeating: 0)
        var i = 0
        while i + w <= n {
            let a = T.Lanes.load(x + i), b = T.Lanes.load(y + i)
            for part in 0..<T.Lanes.wideParts {
                let d = a.wide(part) - b.wide(part)
                acc = DoubleLanes.fma(d, d, acc)
            }
            i += w
        }
        var total = acc.sum()
        while i < n { let d = Double(x[i]) - Double(y[i]); total += d * d; i += 1 }
        return total
    }

    /// The largest |x_i| (0 for n = 0; NaN propagates as NaN).
    static func maxMagnitude<T: LaneScalar>(_ x: UnsafePointer<T>, _ n: Int) -> Double {
        var largest: T = 0
        for i in 0..<n {
            let m = x[i].magnitude
            if !(m <= largest) { largest = m }
        }
        return Double(largest)
    }

    /// Whether every x_i is finite.
    static func allFinite<T: LaneScalar>(_ x: UnsafePointer<T>, _ n: Int) -> Bool {
        // x - x is 0 for finite x and NaN otherwise; one sum tests the whole array.
        var acc: T = 0
        for i in 0..<n { acc += x[i] - x[i] }
        return acc == 0
    }

    // ---- Precision dispatch on raw buffers ------------------------------------------------------

    package static func dot(_ precision: ScalarType.Precision, _ x: UnsafeRawPointer, _ y: UnsafeRawPointer,
                            _ n: Int) -> Double {
        switch precision {
        case .single:
            let a = x.assumingMemoryBound(to: Float.self), b = y.assumingMemoryBound(to: Float.self)
            return ParallelLoops.sum(n, work: 2 * n) { r in dot(a + r.lowerBound, b + r.lowerBound, r.count) }
        case .double:
            let a = x.assumingMemoryBound(to: Double.self), b = y.assumingMemoryBound(to: Double.self)
            return ParallelLoops.sum(n, work: 2 * n) { r in dot(a + r.lowerBound, b + r.lowerBound, r.count) }
        }
    }

    package static func squaredDistance(_ precision: ScalarType.Precision, _ x: UnsafeRawPointer,
                                        _ y: UnsafeRawPointer, _ n: Int) -> Double {
        switch precision {
        case .single:
            let a = x.assumingMemoryBound(to: Float.self), b = y.assumingMemoryBound(to: Float.self)
            return ParallelLoops.sum(n, work: 2 * n) { r in squaredDistance(a + r.lowerBound, b + r.lowerBound, r.count) }
        case .double:
            let a = x.assumingMemoryBound(to: Double.self), b = y.assumingMemoryBound(to: Double.self)
            return ParallelLoops.sum(n, work: 2 * n) { r in squaredDistance(a + r.lowerBound, b + r.lowerBound, r.count) }
        }
    }

    /// z = a x + b y.
    package static func combine(_ precision: ScalarType.Precision, _ a: Double, _ x: UnsafeRawPointer, _ b: Double,
                                _ y: UnsafeRawPointer, into z: UnsafeMutableRawPointer, _ n: Int) {
        switch precision {
        case .single:
            let p = x.assumingMemoryBound(to: Float.self), q = y.assumingMemoryBound(to: Float.self)
            let out = z.assumingMemoryBound(to: Float.self), fa = Float(a), fb = Float(b)
            ParallelLoops.ranges(n, work: 3 * n) { r in
                combine(fa, p + r.lowerBound, fb, q + r.lowerBound, into: out + r.lowerBound, r.count)
            }
        case .double:
            let p = x.assumingMemoryBound(to: Double.self), q = y.assumingMemoryBound(to: Double.self)
            let out = z.assumingMemoryBound(to: Double.self)
            ParallelLoops.ranges(n, work: 3 * n) { r in
                combine(a, p + r.lowerBound, b, q + r.lowerBound, into: out + r.lowerBound, r.count)
            }
        }
    }

    /// z = x + sign t * y elementwise (sign +1 or -1), t a per-real vector of steps (a diagonal
    /// preconditioner).
    package static func addProduct(_ precision: ScalarType.Precision, _ x: UnsafeRawPointer, sign: Double,
                                   _ t: UnsafeRawPointer, _ y: UnsafeRawPointer, into z: UnsafeMutableRawPointer, _ n: Int) {
        switch precision {
        case .single:
            let p = x.assumingMemoryBound(to: Float.self), s = t.assumingMemoryBound(to: Float.self)
            let q = y.assumingMemoryBound(to: Float.self), out = z.assumingMemoryBound(to: Float.self), f = Float(sign)
            ParallelLoops.ranges(n, work: 4 * n) { r in
                let o = r.lowerBound
                addProduct(p + o, f, s + o, q + o, into: out + o, r.count)
            }
        case .double:
            let p = x.assumingMemoryBound(to: Double.self), s = t.assumingMemoryBound(to: Double.self)
            let q = y.assumingMemoryBound(to: Double.self), out = z.assumingMemoryBound(to: Double.self)
            ParallelLoops.ranges(n, work: 4 * n) { r in
                let o = r.lowerBound
                addProduct(p + o, sign, s + o, q + o, into: out + o, r.count)
            }
        }
    }

    /// y = a x in one pass (y may be x).
    package static func scale(_ precision: ScalarType.Precision, _ a: Double, _ x: UnsafeRawPointer,
                              into y: UnsafeMutableRawPointer, _ n: Int) {
        switch precision {
        case .single:
            let p = x.assumingMemoryBound(to: Float.self), out = y.assumingMemoryBound(to: Float.self), fa = Float(a)
            ParallelLoops.ranges(n, work: 2 * n) { r in scale(fa, p + r.lowerBound, into: out + r.lowerBound, r.count) }
        case .double:
            let p = x.assumingMemoryBound(to: Double.self), out = y.assumingMemoryBound(to: Double.self)
            ParallelLoops.ranges(n, work: 2 * n) { r in scale(a, p + r.lowerBound, into: out + r.lowerBound, r.count) }
        }
    }

    /// x = a x.
    package static func scale(_ precision: ScalarType.Precision, _ a: Double, _ x: UnsafeMutableRawPointer, _ n: Int) {
        scale(precision, a, x, into: x, n)
    }

    /// y = x (n reals; the buffers may be the same).
    package static func copy(_ precision: ScalarType.Precision, _ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer,
                             _ n: Int) {
        if x != UnsafeRawPointer(y) { y.copyMemory(from: x, byteCount: n * (precision == .single ? 4 : 8)) }
    }

    package static func allFinite(_ precision: ScalarType.Precision, _ x: UnsafeRawPointer, _ n: Int) -> Bool {
        switch precision {
        case .single: return allFinite(x.assumingMemoryBound(to: Float.self), n)
        case .double: return allFinite(x.assumingMemoryBound(to: Double.self), n)
        }
    }
}

// Element-wise helpers on interleaved buffers (real parts of complex elements), in the working
// precision: set-up and certificate work, not hot loops.
extension Reals {
    /// x_k = value for the real part of every element (imaginary parts 0).
    package static func fillRealParts(_ precision: ScalarType.Precision, _ x: UnsafeMutableRawPointer, _ count: Int,
                                      _ components: Int, with value: Double) {
        switch precision {
        case .single:
            let p = x.assumingMemoryBound(to: Float.self)
            for k in 0..<count * components { p[k] = k % components == 0 ? Float(value) : 0 }
        case .double:
            let p = x.assumingMemoryBound(to: Double.self)
            for k in 0..<count * components { p[k] = k % components == 0 ? value : 0 }
        }
    }

    /// x_k += value on the real part of every element.
    package static func addToRealParts(_ precision: ScalarType.Precision, _ x: UnsafeMutableRawPointer, _ count: Int,
                                       _ components: Int, _ value: Double) {
        switch precision {
        case .single:
            let p = x.assumingMemoryBound(to: Float.self)
            for k in stride(from: 0, to: count * components, by: components) { p[k] = Float(Double(p[k]) + value) }
        case .double:
            let p = x.assumingMemoryBound(to: Double.self)
            for k in stride(from: 0, to: count * components, by: components) { p[k] += value }
        }
    }

    /// out = max(x, 0).
    package static func positivePart(_ precision: ScalarType.Precision, _ x: UnsafeRawPointer,
                                     into out: UnsafeMutableRawPointer, _ n: Int) {
        switch precision {
        case .single:
            let p = x.assumingMemoryBound(to: Float.self), q = out.assumingMemoryBound(to: Float.self)
            for i in 0..<n { q[i] = max(p[i], 0) }
        case .double:
            let p = x.assumingMemoryBound(to: Double.self), q = out.assumingMemoryBound(to: Double.self)
            for i in 0..<n { q[i] = max(p[i], 0) }
        }
    }

    /// The smallest value (+infinity for none; NaN is smallest).
    package static func minimum(_ precision: ScalarType.Precision, _ x: UnsafeRawPointer, _ n: Int) -> Double {
        var least = Double.infinity
        switch precision {
        case .single:
            let p = x.assumingMemoryBound(to: Float.self)
            for i in 0..<n { let v = Double(p[i]); if v.isNaN { return .nan }; least = min(least, v) }
        case .double:
            let p = x.assumingMemoryBound(to: Double.self)
            for i in 0..<n { let v = p[i]; if v.isNaN { return .nan }; least = min(least, v) }
        }
        return least
    }

    /// out[i] = the real part of element i, in Double.
    package static func realParts(_ precision: ScalarType.Precision, _ x: UnsafeRawPointer, _ count: Int, _ components: Int,
                                  into out: UnsafeMutablePointer<Double>) {
        switch precision {
        case .single:
            let p = x.assumingMemoryBound(to: Float.self)
            for i in 0..<count { out[i] = Double(p[i * components]) }
        case .double:
            let p = x.assumingMemoryBound(to: Double.self)
            for i in 0..<count { out[i] = p[i * components] }
        }
    }

    /// ||max(x, 0)||_2, accumulated in Double.
    package static func positivePartNorm(_ precision: ScalarType.Precision, _ x: UnsafeRawPointer, _ n: Int) -> Double {
        var total = 0.0
        switch precision {
        case .single:
            let p = x.assumingMemoryBound(to: Float.self)
            for i in 0..<n where p[i] > 0 { total += Double(p[i]) * Double(p[i]) }
        case .double:
            let p = x.assumingMemoryBound(to: Double.self)
            for i in 0..<n where p[i] > 0 { total += p[i] * p[i] }
        }
        return total.squareRoot()
    }

    package static func maxMagnitude(_ precision: ScalarType.Precision, _ x: UnsafeRawPointer, _ n: Int) -> Double {
        switch precision {
        case .single: return maxMagnitude(x.assumingMemoryBound(to: Float.self), n)
        case .double: return maxMagnitude(x.assumingMemoryBound(to: Double.self), n)
        }
    }
}

