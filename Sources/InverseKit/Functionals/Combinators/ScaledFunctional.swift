/// lambda f for lambda > 0: the weight of a regulariser or a data term.
///
/// prox_{tau lambda f} = prox_{(tau lambda) f}; (lambda f)*(s) = lambda f*(s / lambda);
/// prox_{sigma (lambda f)*}(v) = lambda prox_{(sigma / lambda) f*}(v / lambda). No work buffers:
/// stateful exactly when f is.
public final class ScaledFunctional: Functional {
    public let base: Functional
    public let scale: Double

    public init(_ base: Functional, scale: Double) throws {
        guard scale.isFinite, scale > 0 else {
            throw InverseKitError(scale.isNaN ? .notFinite : .invalidArgument,
                                  "Invalid lambda: expected a finite value > 0, got \(scale) (leave a term out rather than weigh it by 0)")
        }
        self.base = base
        self.scale = scale
        try super.init(shape: base.shape, type: base.type)
    }

    override public var name: String { "\(scale) * \(base.name)" }
    override public var capabilities: FunctionalCapabilities { base.capabilities }
    override public var gradientLipschitz: Double { scale * base.gradientLipschitz }
    override public var strongConvexity: Double { scale * base.strongConvexity }
    override public var isQuadratic: Bool { base.isQuadratic }
    /// (lambda f)*(s) = lambda f*(s / lambda): a domain bounded by a becomes one bounded by lambda a.
    override package var dualRay: DualRay? {
        switch base.dualRay {
        case .unbounded?: return .unbounded
        case .toward(let a)?: return .toward(scale * a)
        case nil: return nil
        }
    }
    override package var leastSquaresForm: LeastSquaresForm? {
        guard var form = base.leastSquaresForm else { return nil }
        form.scale *= scale
        return form
    }

    // The base does its own one-call-at-a-time check; this object holds no state of its own.
    override public func evaluate(_ x: UnsafeRawPointer) throws -> Double {
        scale * (try base.evaluateChecked(x))
    }

    override public func evaluateConjugate(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        scale * (try base.conjugateChecked(s, scale: c / scale))
    }

    override public func computeDualScale(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        try base.dualScaleChecked(s, scale: c / scale)
    }

    override public func computeGradient(_ x: UnsafeRawPointer, into g: UnsafeMutableRawPointer) throws {
        try base.gradient(x, into: g)
        Reals.scale(precision, scale, g, realCount)
    }

    override public func computeProx(_ v: UnsafeRawPointer, step tau: Double, into x: UnsafeMutableRawPointer) throws {
        try base.prox(v, step: tau * scale, into: x)
    }

    override public func computeProxConjugate(_ v: UnsafeRawPointer, step sigma: Double,
                                              into s: UnsafeMutableRawPointer) throws {
        if try base.scaledProxConjugate(v, scale: scale, step: sigma, into: s) { return }
        Reals.scale(precision, 1 / scale, v, into: s, realCount)
        try base.proxConjugate(s, step: sigma / scale, into: s)
        Reals.scale(precision, scale, s, realCount)
    }

    override package var hasDiagonalConjugateProx: Bool { base.hasDiagonalConjugateProx }

    /// lambda prox_{(Sigma / lambda) f*}(v / lambda), as for a scalar step.
    override package func computeProxConjugate(_ v: UnsafeRawPointer, steps: UnsafeRawPointer, stepScale c: Double,
                                               into s: UnsafeMutableRawPointer) throws {
        Reals.scale(precision, 1 / scale, v, into: s, realCount)
        try base.proxConjugate(s, steps: steps, stepScale: c / scale, into: s)
        Reals.scale(precision, scale, s, realCount)
    }
}
