/// f(x) = sum_i w_i |x_i|, the (weighted) l1 norm; |x_i| is the modulus for complex data, so the
/// prox shrinks magnitudes and keeps phases. Without weights, w_i = 1.
///
/// prox_{tau f}(v)_i = v_i max(0, 1 - tau w_i / |v_i|) (soft thresholding);
/// f*(s) = 0 if |s_i| <= w_i for every i, else +infinity; prox_{sigma f*}(v)_i = v_i / max(1, |v_i| / w_i).
public final class L1Norm: Functional {
    /// Weights in the functional's precision (nil: all ones).
    private let weights: AlignedBuffer<UInt8>?

    /// `weights`: nil, or `count` finite values >= 0 (real, row-major over `shape`).
    public init(shape: [Int], type: ScalarType, weights: UnsafeBufferPointer<Double>? = nil) throws {
        if let weights {
            let n = try LinearOperator.count(shape, type, "functional")
            guard weights.count == n else {
                throw InverseKitError(.shape, "Invalid weights: expected \(n) elements, got \(weights.count)")
            }
            try requireFinite(weights, "weights")
            if let bad = weights.firstIndex(where: { $0 < 0 }) {
                throw InverseKitError(.invalidArgument, "Invalid weights: must be >= 0, element \(bad) is \(weights[bad])")
            }
            self.weights = try AlignedBuffer(reals: weights, precision: type.precision)
        } else {
            self.weights = nil
        }
        try super.init(shape: shape, type: type)
    }

    public convenience init(shape: [Int], type: ScalarType, weights: [Double]) throws {
        let copy = try AlignedBuffer(copying: weights)
        try self.init(shape: shape, type: type, weights: copy.buffer)
    }

    override public var name: String { weights == nil ? "l1 norm" : "weighted l1 norm" }
    override public var capabilities: FunctionalCapabilities { [.value, .prox, .proxConjugate, .conjugateValue] }

    override public func evaluate(_ x: UnsafeRawPointer) throws -> Double {
        switch precision {
        case .single: return Kernels<Float>(self).value(x)
        case .double: return Kernels<Double>(self).value(x)
        }
    }

    override public func evaluateConjugate(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        Self.inside(s, self, c) ? 0 : .infinity
    }

    override public func computeProx(_ v: UnsafeRawPointer, step tau: Double, into x: UnsafeMutableRawPointer) throws {
        switch precision {
        case .single: Kernels<Float>(self).shrink(v, x, tau, project: false)
        case .double: Kernels<Double>(self).shrink(v, x, tau, project: false)
        }
    }

    override public func computeProxConjugate(_ v: UnsafeRawPointer, step sigma: Double,
                                              into s: UnsafeMutableRawPointer) throws {
        switch precision {
        case .single: Kernels<Float>(self).shrink(v, s, 1, project: true)
        case .double: Kernels<Double>(self).shrink(v, s, 1, project: true)
        }
    }

    /// The conjugate prox projects each element onto its disc |s_i| <= w_i whatever the step, so
    /// per-element steps (one per element, repeated over complex parts) change nothing.
    override package var hasDiagonalConjugateProx: Bool { true }

    override package func computeProxConjugate(_ v: UnsafeRawPointer, steps: UnsafeRawPointer, stepScale c: Double,
                                               into s: UnsafeMutableRawPointer) throws {
        try computeProxConjugate(v, step: 1, into: s)
    }

    override public func computeDualScale(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        let ratio: Double
        switch precision {
        case .single: ratio = Kernels<Float>(self).largestRatio(s) * c
        case .double: ratio = Kernels<Double>(self).largestRatio(s) * c
        }
        if ratio <= 1 { return 1 }
        // Shrink a few rounding units further, so that the scaled point, rounded to the working
        // precision, is still inside the ball.
        return ratio.isFinite ? (1 / ratio) * (1 - 8 * precision.unitRoundoff) : 0
    }

    /// Whether |c s_i| <= w_i holds exactly (in double) for every i.
    private static func inside(_ s: UnsafeRawPointer, _ f: L1Norm, _ c: Double) -> Bool {
        switch f.precision {
        case .single: return Kernels<Float>(f).largestRatio(s) * c <= 1
        case .double: return Kernels<Double>(f).largestRatio(s) * c <= 1
        }
    }

    private struct Kernels<T: LaneScalar> {
        let n: Int, complex: Bool, w: UnsafePointer<T>?
        init(_ f: L1Norm) {
            n = f.count
            complex = f.type.isComplex
            w = f.weights.map { UnsafeRawPointer($0.pointer).assumingMemoryBound(to: T.self) }
        }

        @inline(__always) func weight(_ i: Int) -> Double { w.map { Double($0[i]) } ?? 1 }

        @inline(__always) func magnitude(_ x: UnsafePointer<T>, _ i: Int) -> Double {
            complex ? Double(x[2 * i]).hypot(Double(x[2 * i + 1])) : Double(x[i]).magnitude
        }

        func value(_ raw: UnsafeRawPointer) -> Double {
            let x = raw.assumingMemoryBound(to: T.self)
            var total = 0.0
            for i in 0..<n { total += weight(i) * magnitude(x, i) }
            return total
        }

        /// max_i |s_i| / w_i (infinite where w_i = 0 < |s_i|).
        func largestRatio(_ raw: UnsafeRawPointer) -> Double {
            let s = raw.assumingMemoryBound(to: T.self)
            var largest = 0.0
            for i in 0..<n {
                let m = magnitude(s, i), wi = weight(i)
                let r = m == 0 ? 0 : (wi > 0 ? m / wi : .infinity)
                if !(r <= largest) { largest = r.isNaN ? .infinity : r }
            }
            return largest
        }

        /// Soft thresholding at tau w_i, or (project) the projection onto |s_i| <= w_i.
        func shrink(_ vRaw: UnsafeRawPointer, _ xRaw: UnsafeMutableRawPointer, _ tau: Double, project: Bool) {
            let v = vRaw.assumingMemoryBound(to: T.self), x = xRaw.assumingMemoryBound(to: T.self)
            // A projected complex value is pulled in by a few rounding units, so that rounding its
            // parts cannot leave it outside the ball (a real one is clamped exactly).
            let inward = 1 - 4 * Double(T.ulpOfOne)
            for i in 0..<n {
                let m = magnitude(v, i), t = tau * weight(i)
                if project && !complex {
                    let bound = w?[i] ?? 1
                    x[i] = Swift.min(Swift.max(v[i], -bound), bound)
                    continue
                }
                // Factor on v_i: soft thresholding keeps max(0, 1 - t/m), projection min(1, t/m).
                let factor: Double = m == 0 ? 0 : (project ? (m <= t ? 1 : t / m * inward) : max(0, 1 - t / m))
                if complex {
                    x[2 * i] = T(Double(v[2 * i]) * factor)
                    x[2 * i + 1] = T(Double(v[2 * i + 1]) * factor)
                } else {
                    x[i] = T(Double(v[i]) * factor)
                }
            }
        }
    }
}

extension ScalarType.Precision {
    /// The unit roundoff of the precision: 2^-24 or 2^-53.
    package var unitRoundoff: Double { self == .single ? 0x1p-24 : 0x1p-53 }
}

extension Double {
    /// sqrt(self^2 + other^2) without overflow or underflow.
    @inline(__always) func hypot(_ other: Double) -> Double {
        let a = magnitude, b = other.magnitude
        let big = Swift.max(a, b), small = Swift.min(a, b)
        if big == 0 || !big.isFinite { return big + small }
        let r = small / big
        return big * (1 + r * r).squareRoot()
    }
}
