#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Poisson negative log-likelihood of counts y >= 0 given a mean z + b with a known background
/// b >= 0, as the Kullback-Leibler divergence (0 at z + b = y):
///     f(z) = sum_i (z_i + b_i) - y_i + y_i log(y_i / (z_i + b_i)),   0 log 0 = 0,
/// finite where z_i + b_i > 0 (>= 0 where y_i = 0). Composed with a forward model A >= 0 it is the
/// data term KL(y, A x + b) of emission tomography and photon-limited deblurring.
///
/// prox_{tau f}(v) = w - b with w = ((v + b - tau) + sqrt((v + b - tau)^2 + 4 tau y)) / 2;
/// f*(s) = sum_i -y_i log(1 - s_i) - b_i s_i, finite for s_i < 1 (<= 1 where y_i = 0);
/// prox_{sigma f*}(v) = 1 - r with r the positive root of r^2 + (u - 1) r - sigma y = 0,
/// u = v + sigma b, computed without cancellation.
public final class KullbackLeibler: Functional {
    /// Counts and background, kept in double so that value and conjugate are exact in either precision.
    private let counts: AlignedBuffer<Double>
    private let background: AlignedBuffer<Double>

    /// `counts`: `count` finite values >= 0; `background`: nil (zero) or `count` finite values >= 0.
    public init(counts: UnsafeBufferPointer<Double>, background: UnsafeBufferPointer<Double>?, shape: [Int],
                type: ScalarType) throws {
        guard type.isReal else {
            throw InverseKitError(.unsupportedType, "Invalid dtype: the Kullback-Leibler term needs real data, got \(type)")
        }
        let n = try LinearOperator.count(shape, type, "functional")
        for (name, values) in [("counts", counts), ("background", background)] {
            guard let values else { continue }
            guard values.count == n else {
                throw InverseKitError(.shape, "Invalid \(name): expected \(n) elements, got \(values.count)")
            }
            try requireFinite(values, name)
            if let bad = values.firstIndex(where: { $0 < 0 }) {
                throw InverseKitError(.invalidArgument, "Invalid \(name): must be >= 0, element \(bad) is \(values[bad])")
            }
        }
        self.counts = try AlignedBuffer(copying: counts)
        // The background is kept at the working precision's value, so that a prox result of exactly
        // -b (a zero mean where y_i = 0) is representable and lands on the domain's boundary.
        if let background {
            self.background = try AlignedBuffer(copying: background)
            if type.precision == .single {
                for i in 0..<n { self.background.pointer[i] = Double(Float(background[i])) }
            }
        } else {
            self.background = try AlignedBuffer(repeating: 0, count: n)
        }
        try super.init(shape: shape, type: type)
    }

    public convenience init(counts: [Double], background: [Double]? = nil, shape: [Int], type: ScalarType) throws {
        let y = try AlignedBuffer(copying: counts)
        let b = try background.map { try AlignedBuffer(copying: $0) }
        try self.init(counts: y.buffer, background: b?.buffer, shape: shape, type: type)
    }

    override public var name: String { "Kullback-Leibler divergence" }
    /// f*(w) = sum -y_i log(1 - w_i) - b_i w_i: finite on w < 1 (w <= 1 where y_i = 0).
    override package var dualRay: DualRay? { .toward(1) }
    override public var capabilities: FunctionalCapabilities {
        [.value, .gradient, .prox, .proxConjugate, .conjugateValue]
    }

    override public func evaluate(_ x: UnsafeRawPointer) throws -> Double {
        switch precision {
        case .single: return divergence(x.assumingMemoryBound(to: Float.self))
        case .double: return divergence(x.assumingMemoryBound(to: Double.self))
        }
    }

    private func divergence<T: BinaryFloatingPoint>(_ z: UnsafePointer<T>) -> Double {
        let y = counts.pointer, b = background.pointer
        var total = 0.0
        for i in 0..<count {
            let mean = Double(z[i]) + b[i]
            if y[i] > 0 {
                guard mean > 0 else { return mean.isNaN ? .nan : .infinity }
                total += mean - y[i] + y[i] * log(y[i] / mean)
            } else {
                guard mean >= 0 else { return mean.isNaN ? .nan : .infinity }
                total += mean
            }
        }
        return total
    }

    override public func evaluateConjugate(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        switch precision {
        case .single: return conjugateSum(s.assumingMemoryBound(to: Float.self), c)
        case .double: return conjugateSum(s.assumingMemoryBound(to: Double.self), c)
        }
    }

    private func conjugateSum<T: BinaryFloatingPoint>(_ s: UnsafePointer<T>, _ c: Double) -> Double {
        let y = counts.pointer, b = background.pointer
        var total = 0.0
        for i in 0..<count {
            let v = c * Double(s[i])
            if y[i] > 0 {
                guard v < 1 else { return .infinity }
                total -= y[i] * log1p(-v)
            } else {
                guard v <= 1 else { return v.isNaN ? .nan : .infinity }
            }
            total -= b[i] * v
        }
        return total
    }

    override public func computeDualScale(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        var largest = 0.0
        switch precision {
        case .single: largest = largestEntry(s.assumingMemoryBound(to: Float.self))
        case .double: largest = largestEntry(s.assumingMemoryBound(to: Double.self))
        }
        let top = largest * c
        if top.isNaN { return 0 }
        // Strictly inside s < 1, a few rounding units below 1 / top.
        return top < 1 ? 1 : (1 / top) * (1 - 8 * precision.unitRoundoff)
    }

    private func largestEntry<T: BinaryFloatingPoint>(_ s: UnsafePointer<T>) -> Double {
        var largest = -Double.infinity
        for i in 0..<count where !(Double(s[i]) <= largest) { largest = Double(s[i]) }
        return largest
    }

    override public func computeGradient(_ x: UnsafeRawPointer, into g: UnsafeMutableRawPointer) throws {
        switch precision {
        case .single: gradientKernel(x.assumingMemoryBound(to: Float.self), g.assumingMemoryBound(to: Float.self))
        case .double: gradientKernel(x.assumingMemoryBound(to: Double.self), g.assumingMemoryBound(to: Double.self))
        }
    }

    private func gradientKernel<T: BinaryFloatingPoint>(_ z: UnsafePointer<T>, _ g: UnsafeMutablePointer<T>) {
        let y = counts.pointer, b = background.pointer
        // Where y_i = 0 the term is linear (slope 1), also at z_i + b_i = 0.
        for i in 0..<count { g[i] = y[i] > 0 ? T(1 - y[i] / (Double(z[i]) + b[i])) : 1 }
    }

    override public func computeProx(_ v: UnsafeRawPointer, step tau: Double, into x: UnsafeMutableRawPointer) throws {
        switch precision {
        case .single: proxKernel(v.assumingMemoryBound(to: Float.self), x.assumingMemoryBound(to: Float.self), tau)
        case .double: proxKernel(v.assumingMemoryBound(to: Double.self), x.assumingMemoryBound(to: Double.self), tau)
        }
    }

    private func proxKernel<T: BinaryFloatingPoint>(_ v: UnsafePointer<T>, _ x: UnsafeMutablePointer<T>, _ tau: Double) {
        let y = counts.pointer, b = background.pointer
        for i in 0..<count {
            // w = u + b, the positive root of w^2 - t w - tau y = 0 with t = v + b - tau.
            let t = Double(v[i]) + b[i] - tau, root = (t * t + 4 * tau * y[i]).squareRoot()
            let w = t >= 0 ? 0.5 * (t + root) : (y[i] > 0 ? 2 * tau * y[i] / (root - t) : 0)
            var out = T(w - b[i])
            // Rounding must not move the mean out of the domain (below 0, or onto 0 where y > 0).
            while y[i] > 0 ? Double(out) + b[i] <= 0 : Double(out) + b[i] < 0 { out = out.nextUp }
            x[i] = out
        }
    }

    override public func computeProxConjugate(_ v: UnsafeRawPointer, step sigma: Double,
                                              into s: UnsafeMutableRawPointer) throws {
        switch precision {
        case .single: conjugateProxKernel(v.assumingMemoryBound(to: Float.self), s.assumingMemoryBound(to: Float.self), sigma)
        case .double: conjugateProxKernel(v.assumingMemoryBound(to: Double.self), s.assumingMemoryBound(to: Double.self), sigma)
        }
    }

    override package var hasDiagonalConjugateProx: Bool { true }

    override package func computeProxConjugate(_ v: UnsafeRawPointer, steps: UnsafeRawPointer, stepScale c: Double,
                                               into s: UnsafeMutableRawPointer) throws {
        switch precision {
        case .single:
            conjugateProxKernel(v.assumingMemoryBound(to: Float.self), s.assumingMemoryBound(to: Float.self), c,
                                steps: steps.assumingMemoryBound(to: Float.self))
        case .double:
            conjugateProxKernel(v.assumingMemoryBound(to: Double.self), s.assumingMemoryBound(to: Double.self), c,
                                steps: steps.assumingMemoryBound(to: Double.self))
        }
    }

    /// With `steps`, element i's step is sigma * steps[i].
    private func conjugateProxKernel<T: BinaryFloatingPoint>(_ v: UnsafePointer<T>, _ s: UnsafeMutablePointer<T>,
                                                       _ scalar: Double, steps: UnsafePointer<T>? = nil) {
        let y = counts.pointer, b = background.pointer
        for i in 0..<count {
            let sigma = steps.map { scalar * Double($0[i]) } ?? scalar
            // r = 1 - s > 0 solves r^2 + t r - sigma y = 0, t = v + sigma b - 1.
            let t = Double(v[i]) + sigma * b[i] - 1, q = sigma * y[i], root = (t * t + 4 * q).squareRoot()
            let r = t > 0 ? 2 * q / (t + root) : 0.5 * (root - t)
            var out = T(1 - r)
            // Rounding must not carry s onto or past 1 where y > 0 (the conjugate is infinite there).
            if y[i] > 0 && out >= 1 { out = T(1).nextDown }
            s[i] = out
        }
    }
}
