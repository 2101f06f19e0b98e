/// The pointwise norm of TV and the projection onto its dual ball: the only difference between
/// isotropic and anisotropic TV. Kernels are generic over it so each variant compiles to its own
/// branch-free loop.
protocol TVPixelNorm {
    /// Value of the pointwise norm of a 2- or 3-component gradient.
    static func norm<T: BinaryFloatingPoint>(_ g0: T, _ g1: T) -> T
    static func norm<T: BinaryFloatingPoint>(_ g0: T, _ g1: T, _ g2: T) -> T
    /// The dual norm (the one whose unit ball the projection maps onto).
    static func dualNorm<T: BinaryFloatingPoint>(_ g0: T, _ g1: T) -> T
    static func dualNorm<T: BinaryFloatingPoint>(_ g0: T, _ g1: T, _ g2: T) -> T
    static func dualNorm<V: LaneVector>(_ g0: V, _ g1: V) -> V
    static func dualNorm<V: LaneVector>(_ g0: V, _ g1: V, _ g2: V) -> V
    /// Projection onto the dual ball of radius `bound` (>= 0).
    static func project<T: BinaryFloatingPoint>(_ v0: inout T, _ v1: inout T, bound: T)
    static func project<T: BinaryFloatingPoint>(_ v0: inout T, _ v1: inout T, _ v2: inout T, bound: T)
    /// The same on lanes (one pixel per lane).
    static func norm<V: LaneVector>(_ g0: V, _ g1: V) -> V
    static func norm<V: LaneVector>(_ g0: V, _ g1: V, _ g2: V) -> V
    static func project<V: LaneVector>(_ v0: inout V, _ v1: inout V, bound: V)
    static func project<V: LaneVector>(_ v0: inout V, _ v1: inout V, _ v2: inout V, bound: V)
}

/// Euclidean norm per pixel; its dual ball is the Euclidean ball.
enum IsotropicNorm: TVPixelNorm {
    @inline(__always)
    static func norm<T: BinaryFloatingPoint>(_ g0: T, _ g1: T) -> T { (g0 * g0 + g1 * g1).squareRoot() }

    @inline(__always)
    static func norm<T: BinaryFloatingPoint>(_ g0: T, _ g1: T, _ g2: T) -> T {
        (g0 * g0 + g1 * g1 + g2 * g2).squareRoot()
    }

    @inline(__always) static func dualNorm<T: BinaryFloatingPoint>(_ g0: T, _ g1: T) -> T { norm(g0, g1) }
    @inline(__always) static func dualNorm<T: BinaryFloatingPoint>(_ g0: T, _ g1: T, _ g2: T) -> T { norm(g0, g1, g2) }
    @inline(__always) static func dualNorm<V: LaneVector>(_ g0: V, _ g1: V) -> V { norm(g0, g1) }
    @inline(__always) static func dualNorm<V: LaneVector>(_ g0: V, _ g1: V, _ g2: V) -> V { norm(g0, g1, g2) }

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
    static func norm<V: LaneVector>(_ g0: V, _ g1: V) -> V { V.hypot(g0, g1) }

    @inline(__always)
    static func norm<V: LaneVector>(_ g0: V, _ g1: V, _ g2: V) -> V { V.hypot(g0, g1, g2) }

    @inline(__always)
    static func project<V: LaneVector>(_ v0: inout V, _ v1: inout V, _ v2: inout V, bound: V) {
        let scale = V.ballScale(squaredLength: V.fma(v0, v0, V.fma(v1, v1, v2 * v2)), bound: bound)
        v0 *= scale
        v1 *= scale
        v2 *= scale
    }

    @inline(__always)
    static func project<V: LaneVector>(_ v0: inout V, _ v1: inout V, bound: V) {
        let scale = V.ballScale(squaredLength: V.fma(v0, v0, v1 * v1), bound: bound)
        v0 *= scale
        v1 *= scale
    }
}

/// l1 norm per pixel; its dual ball is the box [-bound, bound] per component.
enum AnisotropicNorm: TVPixelNorm {
    @inline(__always)
    static func dualNorm<T: BinaryFloatingPoint>(_ g0: T, _ g1: T) -> T { Swift.max(abs(g0), abs(g1)) }

    @inline(__always)
    static func dualNorm<T: BinaryFloatingPoint>(_ g0: T, _ g1: T, _ g2: T) -> T {
        Swift.max(Swift.max(abs(g0), abs(g1)), abs(g2))
    }

    @inline(__always)
    static func dualNorm<V: LaneVector>(_ g0: V, _ g1: V) -> V { V.maximum(g0.magnitude, g1.magnitude) }

    @inline(__always)
    static func dualNorm<V: LaneVector>(_ g0: V, _ g1: V, _ g2: V) -> V {
        V.maximum(V.maximum(g0.magnitude, g1.magnitude), g2.magnitude)
    }

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
    static func norm<V: LaneVector>(_ g0: V, _ g1: V) -> V { g0.magnitude + g1.magnitude }

    @inline(__always)
    static func norm<V: LaneVector>(_ g0: V, _ g1: V, _ g2: V) -> V { g0.magnitude + g1.magnitude + g2.magnitude }

    @inline(__always)
    static func project<V: LaneVector>(_ v0: inout V, _ v1: inout V, _ v2: inout V, bound: V) {
        v0 = V.minimum(V.maximum(v0, -bound), bound)
        v1 = V.minimum(V.maximum(v1, -bound), bound)
        v2 = V.minimum(V.maximum(v2, -bound), bound)
    }

    @inline(__always)
    static func project<V: LaneVector>(_ v0: inout V, _ v1: inout V, bound: V) {
        v0 = V.minimum(V.maximum(v0, -bound), bound)
        v1 = V.minimum(V.maximum(v1, -bound), bound)
    }
}
