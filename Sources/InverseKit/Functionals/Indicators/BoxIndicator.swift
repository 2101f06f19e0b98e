/// The indicator of the box lower <= x_i <= upper (0 inside, +infinity outside) on real data;
/// lower = 0, upper = +infinity is the constraint x >= 0. The prox is the clip, exact in the
/// working precision (the bounds are rounded into the box).
///
/// f*(s) = sum_i max(upper s_i, lower s_i) (the support function; +infinity where an infinite
/// bound meets a sign of s_i pointing to it); prox_{sigma f*}(v) = v - sigma clip(v / sigma).
public final class BoxIndicator: Functional {
    public let lower: Double
    public let upper: Double

    /// `lower` <= `upper`, neither NaN; infinite bounds are allowed.
    public init(shape: [Int], type: ScalarType, lower: Double, upper: Double) throws {
        guard type.isReal else {
            throw InverseKitError(.unsupportedType, "Invalid dtype: a box needs real data, got \(type)")
        }
        guard !lower.isNaN, !upper.isNaN, lower <= upper, lower < .infinity, upper > -.infinity else {
            throw InverseKitError(.invalidArgument, "Invalid box: expected lower <= upper, not NaN, got [\(lower), \(upper)]")
        }
        if type.precision == .single {
            // The bounds rounded into the box must still hold a float32 value.
            guard Self.roundedInward(Float.self, lower, upper) != nil else {
                throw InverseKitError(.invalidArgument, "Invalid box: [\(lower), \(upper)] holds no float32 value")
            }
        }
        self.lower = lower
        self.upper = upper
        try super.init(shape: shape, type: type)
    }

    /// The constraint x >= 0.
    public convenience init(nonnegativeShape shape: [Int], type: ScalarType) throws {
        try self.init(shape: shape, type: type, lower: 0, upper: .infinity)
    }

    override public var name: String { lower == 0 && upper == .infinity ? "nonnegativity" : "box indicator" }
    override public var capabilities: FunctionalCapabilities { [.value, .prox, .proxConjugate, .conjugateValue] }

    /// The largest box inside [lower, upper] whose bounds are values of T, nil if there is none.
    static func roundedInward<T: BinaryFloatingPoint>(_: T.Type, _ lower: Double, _ upper: Double) -> (T, T)? {
        var lo = T(lower), hi = T(upper)
        if Double(lo) < lower { lo = lo.nextUp }
        if Double(hi) > upper { hi = hi.nextDown }
        return lo <= hi ? (lo, hi) : nil
    }

    override public func evaluate(_ x: UnsafeRawPointer) throws -> Double {
        switch precision {
        case .single: return Self.indicator(x.assumingMemoryBound(to: Float.self), realCount, lower, upper)
        case .double: return Self.indicator(x.assumingMemoryBound(to: Double.self), realCount, lower, upper)
        }
    }

    private static func indicator<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, _ n: Int, _ lower: Double,
                                                          _ upper: Double) -> Double {
        for i in 0..<n {
            let v = Double(x[i])
            if !(v >= lower && v <= upper) { return .infinity }
        }
        return 0
    }

    override public func evaluateConjugate(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        switch precision {
        case .single: return Self.support(s.assumingMemoryBound(to: Float.self), realCount, lower, upper, c)
        case .double: return Self.support(s.assumingMemoryBound(to: Double.self), realCount, lower, upper, c)
        }
    }

    private static func support<T: BinaryFloatingPoint>(_ s: UnsafePointer<T>, _ n: Int, _ lower: Double,
                                                        _ upper: Double, _ c: Double) -> Double {
        var total = 0.0
        for i in 0..<n {
            let v = c * Double(s[i])
            if v > 0 { total += upper * v } else if v < 0 { total += lower * v } else if v.isNaN { return .nan }
        }
        return total
    }

    override public func computeDualScale(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        try evaluateConjugate(s, scale: c).isFinite ? 1 : 0
    }

    override public func computeProx(_ v: UnsafeRawPointer, step tau: Double, into x: UnsafeMutableRawPointer) throws {
        switch precision {
        case .single:
            let (lo, hi) = Self.roundedInward(Float.self, lower, upper)!
            Reals.copy(.single, v, into: x, realCount)
            Reals.clip(x.assumingMemoryBound(to: Float.self), realCount, lo, hi)
        case .double:
            Reals.copy(.double, v, into: x, realCount)
            Reals.clip(x.assumingMemoryBound(to: Double.self), realCount, lower, upper)
        }
    }

    override public func computeProxConjugate(_ v: UnsafeRawPointer, step sigma: Double,
                                              into s: UnsafeMutableRawPointer) throws {
        switch precision {
        case .single: Self.conjugateProx(Float.self, v, s, realCount, lower, upper, sigma)
        case .double: Self.conjugateProx(Double.self, v, s, realCount, lower, upper, sigma)
        }
    }

    override package var hasDiagonalConjugateProx: Bool { true }

    override package func computeProxConjugate(_ v: UnsafeRawPointer, steps: UnsafeRawPointer, stepScale c: Double,
                                               into s: UnsafeMutableRawPointer) throws {
        func run<T: BinaryFloatingPoint>(_: T.Type) {
            let p = v.assumingMemoryBound(to: T.self), t = steps.assumingMemoryBound(to: T.self)
            let out = s.assumingMemoryBound(to: T.self)
            for k in 0..<realCount {
                let x = Double(p[k]), sigma = c * Double(t[k]), lo = sigma * lower, hi = sigma * upper
                out[k] = x > hi ? T(x - hi) : (x < lo ? T(x - lo) : 0)
            }
        }
        switch precision {
        case .single: run(Float.self)
        case .double: run(Double.self)
        }
    }

    // v - sigma clip(v / sigma, l, u) = v - clip(v, sigma l, sigma u): the part of v outside the
    // scaled box, computed without dividing.
    private static func conjugateProx<T: BinaryFloatingPoint>(_: T.Type, _ vRaw: UnsafeRawPointer,
                                                              _ sRaw: UnsafeMutableRawPointer, _ n: Int,
                                                              _ lower: Double, _ upper: Double, _ sigma: Double) {
        let v = vRaw.assumingMemoryBound(to: T.self), s = sRaw.assumingMemoryBound(to: T.self)
        let lo = sigma * lower, hi = sigma * upper
        for i in 0..<n {
            let x = Double(v[i])
            s[i] = x > hi ? T(x - hi) : (x < lo ? T(x - lo) : 0)
        }
    }
}
