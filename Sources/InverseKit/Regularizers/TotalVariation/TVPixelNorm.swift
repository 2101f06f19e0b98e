/// The pointwise norm of TV and the projection onto its dual ball: the only difference between
/// isotropic and anisotropic TV. Kernels are generic over it so each variant compiles to its own
/// branch-free loop.
protocol TVPixelNorm {
    /// Value of the pointwise norm of a 2- or 3-component gradient.
    static func norm<T: BinaryFloatingPoint>(_ g0: T, _ g1: T) -> T
    static func norm<T: BinaryFloatingPoint>(_ g0: T, _ g1: T, _ g2: T) -> T
    /// Projection onto the dual ball of radius `bound` (>= 0).
    static func project<T: BinaryFloatingPoint>(_ v0: inout T, _ v1: inout T, bound: T)
    static func project<T: BinaryFloatingPoint>(_ v0: inout T, _ v1: inout T, _ v2: inout T, bound: T)
    /// The same projection on SIMD lanes (one pixel per lane).
    static func project<T: BinaryFloatingPoint & SIMDScalar>(_ v0: inout SIMD8<T>, _ v1: inout SIMD8<T>, bound: SIMD8<T>)
}

/// Lane-wise max and min written out so that they inline into the caller's loop (the standard
/// library's pointwiseMax is an out-of-line call per use).
@inline(__always)
func laneMax<T: BinaryFloatingPoint & SIMDScalar>(_ a: SIMD8<T>, _ b: SIMD8<T>) -> SIMD8<T> {
    SIMD8(a[0] > b[0] ? a[0] : b[0], a[1] > b[1] ? a[1] : b[1], a[2] > b[2] ? a[2] : b[2], a[3] > b[3] ? a[3] : b[3],
          a[4] > b[4] ? a[4] : b[4], a[5] > b[5] ? a[5] : b[5], a[6] > b[6] ? a[6] : b[6], a[7] > b[7] ? a[7] : b[7])
}

@inline(__always)
func laneMin<T: BinaryFloatingPoint & SIMDScalar>(_ a: SIMD8<T>, _ b: SIMD8<T>) -> SIMD8<T> {
    SIMD8(a[0] < b[0] ? a[0] : b[0], a[1] < b[1] ? a[1] : b[1], a[2] < b[2] ? a[2] : b[2], a[3] < b[3] ? a[3] : b[3],
          a[4] < b[4] ? a[4] : b[4], a[5] < b[5] ? a[5] : b[5], a[6] < b[6] ? a[6] : b[6], a[7] < b[7] ? a[7] : b[7])
}

/// Euclidean norm per pixel; its dual ball is the Euclidean ball.
enum IsotropicNorm: TVPixelNorm {
    @inline(__always)
    static func norm<T: BinaryFloatingPoint>(_ g0: T, _ g1: T) -> T { (g0 * g0 + g1 * g1).squareRoot() }

    @inline(__always)
    static func norm<T: BinaryFloatingPoint>(_ g0: T, _ g1: T, _ g2: T) -> T {
        (g0 * g0 + g1 * g1 + g2 * g2).squareRoot()
    }

    // Scale by bound / max(|v|, bound): 1 inside the ball, onto the sphere outside; the tiny floor
    // makes a zero bound give exactly zero without a branch.
    @inline(__always)
    static func project<T: BinaryFloatingPoint>(_ v0: inout T, _ v1: inout T, bound: T) {
        let length = (v0 * v0 + v1 * v1).squareRoot()
        let scale = bound / Swift.max(Swift.max(length, bound), T.leastNormalMagnitude)
        v0 *= scale
        v1 *= scale
    }

    @inline(__always)
    static func project<T: BinaryFloatingPoint>(_ v0: inout T, _ v1: inout T, _ v2: inout T, bound: T) {
        let length = (v0 * v0 + v1 * v1 + v2 * v2).squareRoot()
        let scale = bound / Swift.max(Swift.max(length, bound), T.leastNormalMagnitude)
        v0 *= scale
        v1 *= scale
        v2 *= scale
    }

    @inline(__always)
    static func project<T: BinaryFloatingPoint & SIMDScalar>(_ v0: inout SIMD8<T>, _ v1: inout SIMD8<T>, bound: SIMD8<T>) {
        let length = (v0 * v0 + v1 * v1).squareRoot()
        let scale = bound / laneMax(laneMax(length, bound), SIMD8(repeating: T.leastNormalMagnitude))
        v0 *= scale
        v1 *= scale
    }
}

/// l1 norm per pixel; its dual ball is the box [-bound, bound] per component.
enum AnisotropicNorm: TVPixelNorm {
    @inline(__always)
    static func norm<T: BinaryFloatingPoint>(_ g0: T, _ g1: T) -> T { abs(g0) + abs(g1) }

    @inline(__always)
    static func norm<T: BinaryFloatingPoint>(_ g0: T, _ g1: T, _ g2: T) -> T { abs(g0) + abs(g1) + abs(g2) }

    @inline(__always)
    static func project<T: BinaryFloatingPoint>(_ v0: inout T, _ v1: inout T, bound: T) {
        v0 = Swift.min(Swift.max(v0, -bound), bound)
        v1 = Swift.min(Swift.max(v1, -bound), bound)
    }

    @inline(__always)
    static func project<T: BinaryFloatingPoint>(_ v0: inout T, _ v1: inout T, _ v2: inout T, bound: T) {
        v0 = Swift.min(Swift.max(v0, -bound), bound)
        v1 = Swift.min(Swift.max(v1, -bound), bound)
        v2 = Swift.min(Swift.max(v2, -bound), bound)
    }

    @inline(__always)
    static func project<T: BinaryFloatingPoint & SIMDScalar>(_ v0: inout SIMD8<T>, _ v1: inout SIMD8<T>, bound: SIMD8<T>) {
        v0 = laneMin(laneMax(v0, -bound), bound)
        v1 = laneMin(laneMax(v1, -bound), bound)
    }
}
