/// f(x) = (1/2) ||x||^2 (Re<x, x> for complex data). Its own conjugate; 1-smooth and 1-strongly
/// convex. Translated by data y it is the least-squares term of a PDHG splitting.
///
/// prox_{tau f}(v) = v / (1 + tau), f*(s) = (1/2) ||s||^2, prox_{sigma f*}(v) = v / (1 + sigma).
public final class SquaredL2Norm: Functional {
    public init(shape: [Int], type: ScalarType) throws {
        try super.init(shape: shape, type: type)
    }

    override public var name: String { "squared l2 norm" }
    override public var capabilities: FunctionalCapabilities {
        [.value, .gradient, .prox, .proxConjugate, .conjugateValue, .lipschitz, .stronglyConvex]
    }
    override public var gradientLipschitz: Double { 1 }
    override public var strongConvexity: Double { 1 }
    override public var isQuadratic: Bool { true }
    override package var dualRay: DualRay? { .unbounded }
    override package var leastSquaresForm: LeastSquaresForm? {
        LeastSquaresForm(scale: 1, operators: [], offset: nil, weights: nil, owners: [self])
    }

    override public func evaluate(_ x: UnsafeRawPointer) throws -> Double {
        0.5 * Reals.dot(precision, x, x, realCount)
    }

    override public func evaluateConjugate(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        0.5 * c * c * Reals.dot(precision, s, s, realCount)
    }

    override public func computeGradient(_ x: UnsafeRawPointer, into g: UnsafeMutableRawPointer) throws {
        Reals.copy(precision, x, into: g, realCount)
    }

    override public func computeProx(_ v: UnsafeRawPointer, step tau: Double, into x: UnsafeMutableRawPointer) throws {
        Reals.scale(precision, 1 / (1 + tau), v, into: x, realCount)
    }

    override public func computeProxConjugate(_ v: UnsafeRawPointer, step sigma: Double,
                                              into s: UnsafeMutableRawPointer) throws {
        try computeProx(v, step: sigma, into: s)
    }

    override package var hasDiagonalConjugateProx: Bool { true }

    /// v / (1 + c sigma_k) per real.
    override package func computeProxConjugate(_ v: UnsafeRawPointer, steps: UnsafeRawPointer, stepScale c: Double,
                                               into s: UnsafeMutableRawPointer) throws {
        func run<T: BinaryFloatingPoint>(_: T.Type) {
            let p = v.assumingMemoryBound(to: T.self), t = steps.assumingMemoryBound(to: T.self)
            let out = s.assumingMemoryBound(to: T.self)
            for k in 0..<realCount { out[k] = T(Double(p[k]) / (1 + c * Double(t[k]))) }
        }
        switch precision {
        case .single: run(Float.self)
        case .double: run(Double.self)
        }
    }
}
