/// A few lanes of Float or Double for hot loops that are generic over the precision.
///
/// Arithmetic on `SIMD8<T>` with a generic `T` resolves to the standard library's per-lane
/// fallbacks, because its packed fast paths are overloads on the concrete types; after
/// specialisation those leave scalar divisions, libm square roots and per-lane branches in the
/// loop. Kernels are therefore written against this protocol. On x86-64 its conformances are
/// intrinsics, so a specialised kernel compiles to packed instructions whatever the optimiser
/// decides: AVX-512 or AVX2 when the package is built for a processor that has them
/// (INVERSEKIT_AVX512, INVERSEKIT_AVX2; see Package.swift), else SSE2, the baseline of every x86-64
/// processor. Elsewhere they use the concrete SIMD types.
///
/// A vector holds `width` lanes: 8, or 16 Floats in one AVX-512 register. Kernels step by `width`;
/// `DoubleLanes` always holds 8, so a Float vector widens to `wideParts` of them.
protocol LaneVector {
    associatedtype Scalar: BinaryFloatingPoint & SIMDScalar
    /// Lanes per vector.
    static var width: Int { get }
    init(repeating value: Scalar)
    /// `width` consecutive values from `p` (any alignment).
    static func load(_ p: UnsafePointer<Scalar>) -> Self
    func store(to p: UnsafeMutablePointer<Scalar>)
    /// The first `count` (0...width) values from `p` and zeros after them; reads nothing past them.
    static func load(_ p: UnsafePointer<Scalar>, count: Int) -> Self
    /// Stores the first `count` (0...width) lanes; writes nothing past them.
    func store(to p: UnsafeMutablePointer<Scalar>, count: Int)
    /// These lanes with lane `lane` (0..<width) set to `value`.
    func replacing(lane: Int, with value: Scalar) -> Self
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func / (a: Self, b: Self) -> Self
    /// a * b + c, fused where the processor has FMA (the default multiplies, then adds).
    static func fma(_ a: Self, _ b: Self, _ c: Self) -> Self
    static func minimum(_ a: Self, _ b: Self) -> Self
    static func maximum(_ a: Self, _ b: Self) -> Self
    /// The packed square root (IEEE, correctly rounded).
    func squareRoot() -> Self
    func sum() -> Scalar
    /// How many `DoubleLanes` the lanes fill in Double: width / 8.
    static var wideParts: Int { get }
    /// Lanes 8 part ..< 8 (part + 1) in Double, for sums that must not lose precision.
    func wide(_ part: Int) -> DoubleLanes
}

extension LaneVector {
    @inline(__always) static func += (a: inout Self, b: Self) { a = a + b }
    @inline(__always) static func *= (a: inout Self, b: Self) { a = a * b }
    @inline(__always) static prefix func - (a: Self) -> Self { Self(repeating: 0) - a }
    @inline(__always) static func fma(_ a: Self, _ b: Self, _ c: Self) -> Self { a * b + c }
    @inline(__always) var magnitude: Self { Self.maximum(self, -self) }
    /// sqrt(a^2 + b^2).
    @inline(__always) static func hypot(_ a: Self, _ b: Self) -> Self { fma(a, a, b * b).squareRoot() }
    /// sqrt(a^2 + b^2 + c^2).
    @inline(__always) static func hypot(_ a: Self, _ b: Self, _ c: Self) -> Self {
        fma(a, a, fma(b, b, c * c)).squareRoot()
    }

    /// bound / max(sqrt(squaredLength), bound), with 0 for a zero bound: the factor that projects
    /// a vector of this squared length onto the ball of radius `bound` (>= 0).
    @inline(__always) static func ballScale(squaredLength: Self, bound: Self) -> Self {
        let length = squaredLength.squareRoot()
        return bound / maximum(maximum(length, bound), Self(repeating: Scalar.leastNormalMagnitude))
    }

    /// The first `count` (0...width) values from `p` and zeros after them; reads nothing past them.
    @inline(__always) static func load(_ p: UnsafePointer<Scalar>, count: Int) -> Self {
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: width) { buffer in
            guard let b = buffer.baseAddress else { return Self(repeating: 0) }
            b.initialize(repeating: 0, count: width)
            b.update(from: p, count: count)
            return load(b)
        }
    }

    /// The largest lane (outside hot loops: it goes through memory).
    @inline(__always) func largest() -> Scalar {
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: Self.width) { buffer in
            guard let b = buffer.baseAddress else { return 0 }
            store(to: b)
            return buffer.max() ?? 0
        }
    }

    /// These lanes with lane `lane` (0..<width) set to `value`.
    @inline(__always) func replacing(lane: Int, with value: Scalar) -> Self {
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: Self.width) { buffer in
            guard let b = buffer.baseAddress else { return self }
            store(to: b)
            b[lane] = value
            return Self.load(b)
        }
    }

    /// Stores the first `count` (0...width) lanes; writes nothing past them.
    @inline(__always) func store(to p: UnsafeMutablePointer<Scalar>, count: Int) {
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: Self.width) { buffer in
            guard let b = buffer.baseAddress else { return }
            store(to: b)
            p.update(from: b, count: count)
        }
    }
}

/// A scalar type with its lane vector.
protocol LaneScalar: BinaryFloatingPoint & SIMDScalar & Codable {
    associatedtype Lanes: LaneVector where Lanes.Scalar == Self
}

extension Float: LaneScalar { typealias Lanes = FloatLanes }
extension Double: LaneScalar { typealias Lanes = DoubleLanes }

#if arch(x86_64) && INVERSEKIT_AVX512
import _Builtin_intrinsics.intel

/// One AVX-512 register of sixteen Floats.
struct FloatLanes: LaneVector {
    var v: SIMD16<Float>
    @inline(__always) init(_ v: SIMD16<Float>) { self.v = v }
    @inline(__always) init(repeating value: Float) { v = SIMD16(repeating: value) }
    @inline(__always) static var width: Int { 16 }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> FloatLanes { FloatLanes(_mm512_loadu_ps(p)) }
    @inline(__always) func store(to p: UnsafeMutablePointer<Float>) { _mm512_storeu_ps(p, v) }
    // Masked-off lanes are neither read nor written, and cannot fault.
    @inline(__always) static func load(_ p: UnsafePointer<Float>, count: Int) -> FloatLanes {
        FloatLanes(_mm512_maskz_loadu_ps(__mmask16(truncatingIfNeeded: (1 &<< count) &- 1), p))
    }
    @inline(__always) func store(to p: UnsafeMutablePointer<Float>, count: Int) {
        _mm512_mask_storeu_ps(p, __mmask16(truncatingIfNeeded: (1 &<< count) &- 1), v)
    }
    @inline(__always) func replacing(lane: Int, with value: Float) -> FloatLanes {
        FloatLanes(_mm512_mask_mov_ps(v, __mmask16(truncatingIfNeeded: 1 &<< lane), _mm512_set1_ps(value)))
    }
    @inline(__always) static func + (a: FloatLanes, b: FloatLanes) -> FloatLanes { FloatLanes(_mm512_add_ps(a.v, b.v)) }
    @inline(__always) static func - (a: FloatLanes, b: FloatLanes) -> FloatLanes { FloatLanes(_mm512_sub_ps(a.v, b.v)) }
    @inline(__always) static func * (a: FloatLanes, b: FloatLanes) -> FloatLanes { FloatLanes(_mm512_mul_ps(a.v, b.v)) }
    @inline(__always) static func / (a: FloatLanes, b: FloatLanes) -> FloatLanes { FloatLanes(_mm512_div_ps(a.v, b.v)) }
    @inline(__always) static func fma(_ a: FloatLanes, _ b: FloatLanes, _ c: FloatLanes) -> FloatLanes {
        FloatLanes(_mm512_fmadd_ps(a.v, b.v, c.v))
    }
    @inline(__always) static func minimum(_ a: FloatLanes, _ b: FloatLanes) -> FloatLanes { FloatLanes(_mm512_min_ps(a.v, b.v)) }
    @inline(__always) static func maximum(_ a: FloatLanes, _ b: FloatLanes) -> FloatLanes { FloatLanes(_mm512_max_ps(a.v, b.v)) }
    @inline(__always) func squareRoot() -> FloatLanes { FloatLanes(_mm512_sqrt_ps(v)) }
    @inline(__always) func sum() -> Float { v.sum() }
    @inline(__always) static var wideParts: Int { 2 }
    @inline(__always) func wide(_ part: Int) -> DoubleLanes {
        DoubleLanes(_mm512_cvtps_pd(part == 0 ? v.lowHalf : v.highHalf))
    }
}

/// One AVX-512 register of eight Doubles.
struct DoubleLanes: LaneVector {
    var v: SIMD8<Double>
    @inline(__always) init(_ v: SIMD8<Double>) { self.v = v }
    @inline(__always) init(repeating value: Double) { v = SIMD8(repeating: value) }
    @inline(__always) static var width: Int { 8 }
    @inline(__always) static func load(_ p: UnsafePointer<Double>) -> DoubleLanes { DoubleLanes(_mm512_loadu_pd(p)) }
    @inline(__always) func store(to p: UnsafeMutablePointer<Double>) { _mm512_storeu_pd(p, v) }
    @inline(__always) static func load(_ p: UnsafePointer<Double>, count: Int) -> DoubleLanes {
        DoubleLanes(_mm512_maskz_loadu_pd(__mmask8(truncatingIfNeeded: (1 &<< count) &- 1), p))
    }
    @inline(__always) func store(to p: UnsafeMutablePointer<Double>, count: Int) {
        _mm512_mask_storeu_pd(p, __mmask8(truncatingIfNeeded: (1 &<< count) &- 1), v)
    }
    @inline(__always) func replacing(lane: Int, with value: Double) -> DoubleLanes {
        DoubleLanes(_mm512_mask_mov_pd(v, __mmask8(truncatingIfNeeded: 1 &<< lane), _mm512_set1_pd(value)))
    }
    @inline(__always) static func + (a: DoubleLanes, b: DoubleLanes) -> DoubleLanes { DoubleLanes(_mm512_add_pd(a.v, b.v)) }
    @inline(__always) static func - (a: DoubleLanes, b: DoubleLanes) -> DoubleLanes { DoubleLanes(_mm512_sub_pd(a.v, b.v)) }
    @inline(__always) static func * (a: DoubleLanes, b: DoubleLanes) -> DoubleLanes { DoubleLanes(_mm512_mul_pd(a.v, b.v)) }
    @inline(__always) static func / (a: DoubleLanes, b: DoubleLanes) -> DoubleLanes { DoubleLanes(_mm512_div_pd(a.v, b.v)) }
    @inline(__always) static func fma(_ a: DoubleLanes, _ b: DoubleLanes, _ c: DoubleLanes) -> DoubleLanes {
        DoubleLanes(_mm512_fmadd_pd(a.v, b.v, c.v))
    }
    @inline(__always) static func minimum(_ a: DoubleLanes, _ b: DoubleLanes) -> DoubleLanes {
        DoubleLanes(_mm512_min_pd(a.v, b.v))
    }
    @inline(__always) static func maximum(_ a: DoubleLanes, _ b: DoubleLanes) -> DoubleLanes {
        DoubleLanes(_mm512_max_pd(a.v, b.v))
    }
    @inline(__always) func squareRoot() -> DoubleLanes { DoubleLanes(_mm512_sqrt_pd(v)) }
    @inline(__always) func sum() -> Double { v.sum() }
    @inline(__always) static var wideParts: Int { 1 }
    @inline(__always) func wide(_ part: Int) -> DoubleLanes { self }
}

#elseif arch(x86_64) && INVERSEKIT_AVX2
import _Builtin_intrinsics.intel

/// One AVX register of eight Floats.
struct FloatLanes: LaneVector {
    var v: SIMD8<Float>
    @inline(__always) init(_ v: SIMD8<Float>) { self.v = v }
    @inline(__always) init(repeating value: Float) { v = SIMD8(repeating: value) }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> FloatLanes { FloatLanes(_mm256_loadu_ps(p)) }
    @inline(__always) func store(to p: UnsafeMutablePointer<Float>) { _mm256_storeu_ps(p, v) }
    @inline(__always) static func + (a: FloatLanes, b: FloatLanes) -> FloatLanes { FloatLanes(_mm256_add_ps(a.v, b.v)) }
    @inline(__always) static func - (a: FloatLanes, b: FloatLanes) -> FloatLanes { FloatLanes(_mm256_sub_ps(a.v, b.v)) }
    @inline(__always) static func * (a: FloatLanes, b: FloatLanes) -> FloatLanes { FloatLanes(_mm256_mul_ps(a.v, b.v)) }
    @inline(__always) static func / (a: FloatLanes, b: FloatLanes) -> FloatLanes { FloatLanes(_mm256_div_ps(a.v, b.v)) }
    @inline(__always) static func fma(_ a: FloatLanes, _ b: FloatLanes, _ c: FloatLanes) -> FloatLanes {
        FloatLanes(_mm256_fmadd_ps(a.v, b.v, c.v))
    }
    @inline(__always) static func minimum(_ a: FloatLanes, _ b: FloatLanes) -> FloatLanes { FloatLanes(_mm256_min_ps(a.v, b.v)) }
    @inline(__always) static func maximum(_ a: FloatLanes, _ b: FloatLanes) -> FloatLanes { FloatLanes(_mm256_max_ps(a.v, b.v)) }
    @inline(__always) func squareRoot() -> FloatLanes { FloatLanes(_mm256_sqrt_ps(v)) }
    @inline(__always) func sum() -> Float { v.sum() }
    @inline(__always) static var width: Int { 8 }
    @inline(__always) static var wideParts: Int { 1 }
    @inline(__always) func wide(_ part: Int) -> DoubleLanes {
        DoubleLanes(_mm256_cvtps_pd(v.lowHalf), _mm256_cvtps_pd(v.highHalf))
    }
}

/// Two AVX registers of four Doubles.
struct DoubleLanes: LaneVector {
    var lo: SIMD4<Double>
    var hi: SIMD4<Double>
    @inline(__always) init(_ lo: SIMD4<Double>, _ hi: SIMD4<Double>) { self.lo = lo; self.hi = hi }
    @inline(__always) init(repeating value: Double) { lo = SIMD4(repeating: value); hi = lo }
    @inline(__always) static func load(_ p: UnsafePointer<Double>) -> DoubleLanes {
        DoubleLanes(_mm256_loadu_pd(p), _mm256_loadu_pd(p + 4))
    }
    @inline(__always) func store(to p: UnsafeMutablePointer<Double>) {
        _mm256_storeu_pd(p, lo)
        _mm256_storeu_pd(p + 4, hi)
    }
    @inline(__always) static func + (a: DoubleLanes, b: DoubleLanes) -> DoubleLanes {
        DoubleLanes(_mm256_add_pd(a.lo, b.lo), _mm256_add_pd(a.hi, b.hi))
    }
    @inline(__always) static func - (a: DoubleLanes, b: DoubleLanes) -> DoubleLanes {
        DoubleLanes(_mm256_sub_pd(a.lo, b.lo), _mm256_sub_pd(a.hi, b.hi))
    }
    @inline(__always) static func * (a: DoubleLanes, b: DoubleLanes) -> DoubleLanes {
        DoubleLanes(_mm256_mul_pd(a.lo, b.lo), _mm256_mul_pd(a.hi, b.hi))
    }
    @inline(__always) static func / (a: DoubleLanes, b: DoubleLanes) -> DoubleLanes {
        DoubleLanes(_mm256_div_pd(a.lo, b.lo), _mm256_div_pd(a.hi, b.hi))
    }
    @inline(__always) static func fma(_ a: DoubleLanes, _ b: DoubleLanes, _ c: DoubleLanes) -> DoubleLanes {
        DoubleLanes(_mm256_fmadd_pd(a.lo, b.lo, c.lo), _mm256_fmadd_pd(a.hi, b.hi, c.hi))
    }
    @inline(__always) static func minimum(_ a: DoubleLanes, _ b: DoubleLanes) -> DoubleLanes {
        DoubleLanes(_mm256_min_pd(a.lo, b.lo), _mm256_min_pd(a.hi, b.hi))
    }
    @inline(__always) static func maximum(_ a: DoubleLanes, _ b: DoubleLanes) -> DoubleLanes {
        DoubleLanes(_mm256_max_pd(a.lo, b.lo), _mm256_max_pd(a.hi, b.hi))
    }
    @inline(__always) func squareRoot() -> DoubleLanes { DoubleLanes(_mm256_sqrt_pd(lo), _mm256_sqrt_pd(hi)) }
    @inline(__always) func sum() -> Double { (lo + hi).sum() }
    @inline(__always) static var width: Int { 8 }
    @inline(__always) static var wideParts: Int { 1 }
    @inline(__always) func wide(_ part: Int) -> DoubleLanes { self }
}

#elseif arch(x86_64)
import _Builtin_intrinsics.intel

/// Two SSE registers of four Floats.
struct FloatLanes: LaneVector {
    var lo: SIMD4<Float>
    var hi: SIMD4<Float>
    @inline(__always) init(_ lo: SIMD4<Float>, _ hi: SIMD4<Float>) { self.lo = lo; self.hi = hi }
    @inline(__always) init(repeating value: Float) { lo = SIMD4(repeating: value); hi = lo }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> FloatLanes {
        FloatLanes(_mm_loadu_ps(p), _mm_loadu_ps(p + 4))
    }
    @inline(__always) func store(to p: UnsafeMutablePointer<Float>) {
        _mm_storeu_ps(p, lo)
        _mm_storeu_ps(p + 4, hi)
    }
    @inline(__always) static func + (a: FloatLanes, b: FloatLanes) -> FloatLanes {
        FloatLanes(_mm_add_ps(a.lo, b.lo), _mm_add_ps(a.hi, b.hi))
    }
    @inline(__always) static func - (a: FloatLanes, b: FloatLanes) -> FloatLanes {
        FloatLanes(_mm_sub_ps(a.lo, b.lo), _mm_sub_ps(a.hi, b.hi))
    }
    @inline(__always) static func * (a: FloatLanes, b: FloatLanes) -> FloatLanes {
        FloatLanes(_mm_mul_ps(a.lo, b.lo), _mm_mul_ps(a.hi, b.hi))
    }
    @inline(__always) static func / (a: FloatLanes, b: FloatLanes) -> FloatLanes {
        FloatLanes(_mm_div_ps(a.lo, b.lo), _mm_div_ps(a.hi, b.hi))
    }
    @inline(__always) static func minimum(_ a: FloatLanes, _ b: FloatLanes) -> FloatLanes {
        FloatLanes(_mm_min_ps(a.lo, b.lo), _mm_min_ps(a.hi, b.hi))
    }
    @inline(__always) static func maximum(_ a: FloatLanes, _ b: FloatLanes) -> FloatLanes {
        FloatLanes(_mm_max_ps(a.lo, b.lo), _mm_max_ps(a.hi, b.hi))
    }
    @inline(__always) func squareRoot() -> FloatLanes { FloatLanes(_mm_sqrt_ps(lo), _mm_sqrt_ps(hi)) }
    @inline(__always) func sum() -> Float { (lo + hi).sum() }
    @inline(__always) static var width: Int { 8 }
    @inline(__always) static var wideParts: Int { 1 }
    @inline(__always) func wide(_ part: Int) -> DoubleLanes {
        DoubleLanes(_mm_cvtps_pd(lo), _mm_cvtps_pd(_mm_movehl_ps(lo, lo)),
                    _mm_cvtps_pd(hi), _mm_cvtps_pd(_mm_movehl_ps(hi, hi)))
    }
}

/// Four SSE registers of two Doubles.
struct DoubleLanes: LaneVector {
    var a: SIMD2<Double>
    var b: SIMD2<Double>
    var c: SIMD2<Double>
    var d: SIMD2<Double>
    @inline(__always) init(_ a: SIMD2<Double>, _ b: SIMD2<Double>, _ c: SIMD2<Double>, _ d: SIMD2<Double>) {
        self.a = a; self.b = b; self.c = c; self.d = d
    }
    @inline(__always) init(repeating value: Double) { a = SIMD2(repeating: value); b = a; c = a; d = a }
    @inline(__always) static func load(_ p: UnsafePointer<Double>) -> DoubleLanes {
        DoubleLanes(_mm_loadu_pd(p), _mm_loadu_pd(p + 2), _mm_loadu_pd(p + 4), _mm_loadu_pd(p + 6))
    }
    @inline(__always) func store(to p: UnsafeMutablePointer<Double>) {
        _mm_storeu_pd(p, a)
        _mm_storeu_pd(p + 2, b)
        _mm_storeu_pd(p + 4, c)
        _mm_storeu_pd(p + 6, d)
    }
    @inline(__always) static func + (x: DoubleLanes, y: DoubleLanes) -> DoubleLanes {
        DoubleLanes(_mm_add_pd(x.a, y.a), _mm_add_pd(x.b, y.b), _mm_add_pd(x.c, y.c), _mm_add_pd(x.d, y.d))
    }
    @inline(__always) static func - (x: DoubleLanes, y: DoubleLanes) -> DoubleLanes {
        DoubleLanes(_mm_sub_pd(x.a, y.a), _mm_sub_pd(x.b, y.b), _mm_sub_pd(x.c, y.c), _mm_sub_pd(x.d, y.d))
    }
    @inline(__always) static func * (x: DoubleLanes, y: DoubleLanes) -> DoubleLanes {
        DoubleLanes(_mm_mul_pd(x.a, y.a), _mm_mul_pd(x.b, y.b), _mm_mul_pd(x.c, y.c), _mm_mul_pd(x.d, y.d))
    }
    @inline(__always) static func / (x: DoubleLanes, y: DoubleLanes) -> DoubleLanes {
        DoubleLanes(_mm_div_pd(x.a, y.a), _mm_div_pd(x.b, y.b), _mm_div_pd(x.c, y.c), _mm_div_pd(x.d, y.d))
    }
    @inline(__always) static func minimum(_ x: DoubleLanes, _ y: DoubleLanes) -> DoubleLanes {
        DoubleLanes(_mm_min_pd(x.a, y.a), _mm_min_pd(x.b, y.b), _mm_min_pd(x.c, y.c), _mm_min_pd(x.d, y.d))
    }
    @inline(__always) static func maximum(_ x: DoubleLanes, _ y: DoubleLanes) -> DoubleLanes {
        DoubleLanes(_mm_max_pd(x.a, y.a), _mm_max_pd(x.b, y.b), _mm_max_pd(x.c, y.c), _mm_max_pd(x.d, y.d))
    }
    @inline(__always) func squareRoot() -> DoubleLanes { DoubleLanes(_mm_sqrt_pd(a), _mm_sqrt_pd(b), _mm_sqrt_pd(c), _mm_sqrt_pd(d)) }
    @inline(__always) func sum() -> Double { ((a + b) + (c + d)).sum() }
    @inline(__always) static var width: Int { 8 }
    @inline(__always) static var wideParts: Int { 1 }
    @inline(__always) func wide(_ part: Int) -> DoubleLanes { self }
}

#else

struct FloatLanes: LaneVector {
    var v: SIMD8<Float>
    @inline(__always) init(_ v: SIMD8<Float>) { self.v = v }
    @inline(__always) init(repeating value: Float) { v = SIMD8(repeating: value) }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> FloatLanes {
        FloatLanes(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self))
    }
    @inline(__always) func store(to p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
    @inline(__always) static func + (a: FloatLanes, b: FloatLanes) -> FloatLanes { FloatLanes(a.v + b.v) }
    @inline(__always) static func - (a: FloatLanes, b: FloatLanes) -> FloatLanes { FloatLanes(a.v - b.v) }
    @inline(__always) static func * (a: FloatLanes, b: FloatLanes) -> FloatLanes { FloatLanes(a.v * b.v) }
    @inline(__always) static func / (a: FloatLanes, b: FloatLanes) -> FloatLanes { FloatLanes(a.v / b.v) }
    @inline(__always) static func minimum(_ a: FloatLanes, _ b: FloatLanes) -> FloatLanes {
        FloatLanes(a.v.replacing(with: b.v, where: b.v .< a.v))
    }
    @inline(__always) static func maximum(_ a: FloatLanes, _ b: FloatLanes) -> FloatLanes {
        FloatLanes(a.v.replacing(with: b.v, where: a.v .< b.v))
    }
    @inline(__always) func squareRoot() -> FloatLanes { FloatLanes(v.squareRoot()) }
    @inline(__always) func sum() -> Float { v.sum() }
    @inline(__always) static var width: Int { 8 }
    @inline(__always) static var wideParts: Int { 1 }
    @inline(__always) func wide(_ part: Int) -> DoubleLanes { DoubleLanes(SIMD8<Double>(v)) }
}

struct DoubleLanes: LaneVector {
    var v: SIMD8<Double>
    @inline(__always) init(_ v: SIMD8<Double>) { self.v = v }
    @inline(__always) init(repeating value: Double) { v = SIMD8(repeating: value) }
    @inline(__always) static func load(_ p: UnsafePointer<Double>) -> DoubleLanes {
        DoubleLanes(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Double>.self))
    }
    @inline(__always) func store(to p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Double>.self)
    }
    @inline(__always) static func + (a: DoubleLanes, b: DoubleLanes) -> DoubleLanes { DoubleLanes(a.v + b.v) }
    @inline(__always) static func - (a: DoubleLanes, b: DoubleLanes) -> DoubleLanes { DoubleLanes(a.v - b.v) }
    @inline(__always) static func * (a: DoubleLanes, b: DoubleLanes) -> DoubleLanes { DoubleLanes(a.v * b.v) }
    @inline(__always) static func / (a: DoubleLanes, b: DoubleLanes) -> DoubleLanes { DoubleLanes(a.v / b.v) }
    @inline(__always) static func minimum(_ a: DoubleLanes, _ b: DoubleLanes) -> DoubleLanes {
        DoubleLanes(a.v.replacing(with: b.v, where: b.v .< a.v))
    }
    @inline(__always) static func maximum(_ a: DoubleLanes, _ b: DoubleLanes) -> DoubleLanes {
        DoubleLanes(a.v.replacing(with: b.v, where: a.v .< b.v))
    }
    @inline(__always) func squareRoot() -> DoubleLanes { DoubleLanes(v.squareRoot()) }
    @inline(__always) func sum() -> Double { v.sum() }
    @inline(__always) static var width: Int { 8 }
    @inline(__always) static var wideParts: Int { 1 }
    @inline(__always) func wide(_ part: Int) -> DoubleLanes { self }
}

#endif
