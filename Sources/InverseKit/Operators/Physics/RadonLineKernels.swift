#if arch(x86_64) && INVERSEKIT_AVX2
import _Builtin_intrinsics.intel
#endif

/// The inner loops of the Radon transform: one ray's samples along a padded image (or its
/// transpose), and their transpose, the back-projection of one ray. A ray takes one sample per
/// line (image row or column), linearly interpolated between two neighbouring pixels.
enum RadonLineKernels {
    /// floor-like split of a position u in (0, 2^31) into an index and a weight in [0, 1], without
    /// int/float conversions: adding 1.5 * 2^52 rounds u - 1/2 to an integer in the low mantissa bits.
    /// At an exact integer u it may give (u - 1, 1) instead of (u, 0): the same interpolation.
    /// `validSteps` keeps every position at least a margin inside the line, far more than the
    /// running positions can drift, so u stays in (0, width + 1) and both neighbours exist.
    @inline(__always)
    static func split(_ u: Double) -> (Int, Double) {
        // 1.5 * 2^52: sums stay in [2^52, 2^53), where doubles are the integers, and the mantissa
        // holds 2^51 + round(u - 1/2).
        let magic = 6_755_399_441_055_744.0
        let shifted = (u - 0.5) + magic
        let whole = shifted - magic
        let index = Int(truncatingIfNeeded: shifted.bitPattern & 0x000F_FFFF_FFFF_FFFF) &- (1 << 51)
        return (index, u - whole)
    }

    /// `samples` for the `more + 1` steps from `line` at position u (nothing when more < 0): the
    /// ends of the unrolled walks.
    @inline(__always)
    static func samplesOneByOne(_ line: UnsafePointer<Double>, _ u: Double, _ du: Double, _ more: Int,
                                stride: Int) -> Double {
        var sum = 0.0, position = u, p = line, step = 0
        while step <= more {
            let (i, f) = split(position)
            sum += p[i] + f * (p[i &+ 1] - p[i])
            position += du
            p += stride
            step &+= 1
        }
        return sum
    }

    /// `scatter` for the `more + 1` steps from `line` at position u (nothing when more < 0).
    @inline(__always)
    static func scatterOneByOne(_ line: UnsafeMutablePointer<Double>, _ u: Double, _ du: Double, _ more: Int,
                                _ w: Double, stride: Int) {
        var position = u, p = line, step = 0
        while step <= more {
            let (i, g) = split(position)
            let f = g * w
            p[i] += w - f
            p[i &+ 1] += f
            position += du
            p += stride
            step &+= 1
        }
    }

#if arch(x86_64) && INVERSEKIT_AVX2
    /// Sum over steps n in first...last of the linear interpolation at position u_n (advanced by
    /// du per step) between line[n][i] and line[n][i + 1], i = floor(u_n); lines are `stride` apart.
    /// Four steps per block in AVX2 lanes: the positions, floors and weights of four samples at
    /// once, each sample's two pixels one 16-byte load.
    @inline(__always)
    static func samples(_ origin: UnsafePointer<Double>, _ base: Double, _ du: Double, _ first: Int, _ last: Int,
                        stride: Int) -> Double {
        var n = first
        var walk = FourSteps(base: base, du: du, first: first, stride: stride)
        var values = SIMD4<Double>(repeating: 0), slopes = SIMD4<Double>(repeating: 0)
        while n &+ 3 <= last {
            let (index, f) = split4(walk.u, walk.offsets)
            let p0 = _mm_loadu_pd(origin + Int(index[0])), p1 = _mm_loadu_pd(origin + Int(index[1]))
            let p2 = _mm_loadu_pd(origin + Int(index[2])), p3 = _mm_loadu_pd(origin + Int(index[3]))
            let t0 = _mm256_set_m128d(p2, p0), t1 = _mm256_set_m128d(p3, p1)
            let left = _mm256_unpacklo_pd(t0, t1), right = _mm256_unpackhi_pd(t0, t1)
            // Two accumulators so neither addition chain waits on the other.
            values = _mm256_add_pd(values, left)
            slopes = _mm256_fmadd_pd(f, _mm256_sub_pd(right, left), slopes)
            walk.advance()
            n &+= 4
        }
        return (values + slopes).sum() + samplesOneByOne(origin + n &* stride, walk.u[0], du, last &- n, stride: stride)
    }

    /// The transpose of `samples`: adds w (1 - f) and w f at the same positions.
    @inline(__always)
    static func scatter(_ origin: UnsafeMutablePointer<Double>, _ base: Double, _ du: Double, _ first: Int,
                        _ last: Int, _ w: Double, stride: Int) {
        var n = first
        var walk = FourSteps(base: base, du: du, first: first, stride: stride)
        let weight = SIMD4<Double>(repeating: w)
        while n &+ 3 <= last {
            let (index, f) = split4(walk.u, walk.offsets)
            let right = _mm256_mul_pd(f, weight), left = _mm256_sub_pd(weight, right)
            // (left, right) pairs of steps 0 and 2, then 1 and 3; each pair is added to two
            // neighbouring pixels of one line with one 16-byte load and store.
            let even = _mm256_unpacklo_pd(left, right), odd = _mm256_unpackhi_pd(left, right)
            let p0 = origin + Int(index[0]), p1 = origin + Int(index[1])
            let p2 = origin + Int(index[2]), p3 = origin + Int(index[3])
            _mm_storeu_pd(p0, _mm_add_pd(_mm_loadu_pd(p0), even.lowHalf))
            _mm_storeu_pd(p1, _mm_add_pd(_mm_loadu_pd(p1), odd.lowHalf))
            _mm_storeu_pd(p2, _mm_add_pd(_mm_loadu_pd(p2), even.highHalf))
            _mm_storeu_pd(p3, _mm_add_pd(_mm_loadu_pd(p3), odd.highHalf))
            walk.advance()
            n &+= 4
        }
        scatterOneByOne(origin + n &* stride, walk.u[0], du, last &- n, w, stride: stride)
    }

    /// Positions and line offsets of four consecutive steps of a ray, advanced four steps at a time.
    private struct FourSteps {
        var u: SIMD4<Double>
        var offsets: SIMD4<Int64>
        let step: SIMD4<Double>
        let jump: SIMD4<Int64>

        @inline(__always) init(base: Double, du: Double, first: Int, stride: Int) {
            let start = base + Double(first) * du
            u = SIMD4(start, start + du, start + du + du, start + du + du + du)
            offsets = SIMD4<Int64>(0, Int64(stride), Int64(stride &* 2), Int64(stride &* 3)) &+ Int64(first &* stride)
            step = SIMD4(repeating: 4 * du)
            jump = SIMD4(repeating: Int64(stride &* 4))
        }

        @inline(__always) mutating func advance() {
            u = _mm256_add_pd(u, step)
            offsets = _mm256_add_epi64(offsets, jump)
        }
    }

    /// `split` on four positions at once; the indices come back with `offsets` added.
    @inline(__always)
    private static func split4(_ u: SIMD4<Double>, _ offsets: SIMD4<Int64>) -> (SIMD4<Int64>, SIMD4<Double>) {
        let magic = SIMD4<Double>(repeating: 6_755_399_441_055_744.0), half = SIMD4<Double>(repeating: 0.5)
        let shifted = _mm256_add_pd(_mm256_sub_pd(u, half), magic)
        let whole = _mm256_sub_pd(shifted, magic)
        let bits = _mm256_and_si256(_mm256_castpd_si256(shifted), SIMD4<Int64>(repeating: 0x000F_FFFF_FFFF_FFFF))
        let index = _mm256_add_epi64(_mm256_sub_epi64(bits, SIMD4<Int64>(repeating: 1 << 51)), offsets)
        return (index, _mm256_sub_pd(u, whole))
    }
#else
    /// Sum over steps n in first...last of the linear interpolation at position u_n (advanced by
    /// du per step) between line[n][i] and line[n][i + 1], i = floor(u_n); lines are `stride` apart.
    @inline(__always)
    static func samples(_ origin: UnsafePointer<Double>, _ base: Double, _ du: Double, _ first: Int, _ last: Int,
                                stride: Int) -> Double {
        // Four partial sums so consecutive samples do not wait on one another's addition. The
        // positions advance by du per step; `scatter` walks them identically, so the two stay
        // exact transposes of each other. Indices are in range by construction (validSteps), so
        // the arithmetic wraps instead of checking.
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var n = first
        var u = base + Double(first) * du
        var line = origin + first &* stride
        let stride2 = stride &* 2, stride3 = stride &* 3, stride4 = stride &* 4
        while n &+ 3 <= last {
            let u0 = u, u1 = u0 + du, u2 = u1 + du, u3 = u2 + du
            u = u3 + du
            let (i0, f0) = split(u0), (i1, f1) = split(u1), (i2, f2) = split(u2), (i3, f3) = split(u3)
            let p0 = line + i0, p1 = line + (stride &+ i1), p2 = line + (stride2 &+ i2), p3 = line + (stride3 &+ i3)
            s0 += p0[0] + f0 * (p0[1] - p0[0])
            s1 += p1[0] + f1 * (p1[1] - p1[0])
            s2 += p2[0] + f2 * (p2[1] - p2[0])
            s3 += p3[0] + f3 * (p3[1] - p3[0])
            line += stride4
            n &+= 4
        }
        return (s0 + s1) + (s2 + s3) + samplesOneByOne(line, u, du, last &- n, stride: stride)
    }

    /// The transpose of `samples`: adds w (1 - f) and w f at the same positions, in the same order.
    @inline(__always)
    static func scatter(_ origin: UnsafeMutablePointer<Double>, _ base: Double, _ du: Double, _ first: Int,
                                _ last: Int, _ w: Double, stride: Int) {
        var u = base + Double(first) * du
        var n = first
        var line = origin + first &* stride
        let stride2 = stride &* 2
        while n &+ 1 <= last {
            let ua = u, ub = ua + du
            u = ub + du
            let (ia, ga) = split(ua), (ib, gb) = split(ub)
            let fa = ga * w, fb = gb * w
            let pa = line + ia, pb = line + (stride &+ ib)
            pa[0] += w - fa
            pa[1] += fa
            pb[0] += w - fb
            pb[1] += fb
            line += stride2
            n &+= 2
        }
        scatterOneByOne(line, u, du, last &- n, w, stride: stride)
    }
#endif
}
