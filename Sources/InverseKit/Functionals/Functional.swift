import Synchronization

/// What a functional can compute. A solver asks for the capabilities it needs and refuses, with a
/// message, a functional that lacks one.
public struct FunctionalCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// f(x), +infinity off the domain.
    public static let value = FunctionalCapabilities(rawValue: 1 << 0)
    /// The gradient of f (f is differentiable on its domain).
    public static let gradient = FunctionalCapabilities(rawValue: 1 << 1)
    /// prox_{tau f}.
    public static let prox = FunctionalCapabilities(rawValue: 1 << 2)
    /// prox_{sigma f*}, the prox of the convex conjugate.
    public static let proxConjugate = FunctionalCapabilities(rawValue: 1 << 3)
    /// f*(s), +infinity off its domain (what duality gaps are made of).
    public static let conjugateValue = FunctionalCapabilities(rawValue: 1 << 4)
    /// A known Lipschitz constant of the gradient.
    public static let lipschitz = FunctionalCapabilities(rawValue: 1 << 5)
    /// f is strongly convex with a known modulus > 0.
    public static let stronglyConvex = FunctionalCapabilities(rawValue: 1 << 6)
    /// The object keeps state between calls (warm starts, work buffers): one thread at a time.
    public static let stateful = FunctionalCapabilities(rawValue: 1 << 7)
}

/// A convex functional f: R^n or C^n -> R ∪ {+∞} on arrays of one shape and element type.
///
/// Arrays cross as contiguous row-major buffers of `count` elements of `type` (complex data
/// interleaved); for complex data the inner product is Re<a, b>, so a complex array behaves as the
/// real vector of its interleaved parts. Every map (`gradient`, `prox`, `proxConjugate`) accepts
/// an output buffer that is its input buffer.
///
/// Threading: functionals without the `.stateful` capability are immutable and may be used from
/// many threads at once. A stateful one (a TV prox with its warm start, a data term with its work
/// buffers) serves one call at a time; a call made while another is running fails with an error
/// instead of racing on the shared buffers.
/// Directions along which a functional's conjugate stays finite, for `Functional.dualRay`.
package enum DualRay {
    /// f* is finite everywhere: y + t 1 for every t >= 0.
    case unbounded
    /// f* is finite at c y + (1 - c) a 1 for every c in (0, 1] where it is finite at y: a conjugate
    /// whose domain is bounded above by a, as the Kullback-Leibler term's (w < 1).
    case toward(Double)
}

open class Functional: CustomStringConvertible {
    public let shape: [Int]
    public let type: ScalarType
    /// Elements in an argument.
    public let count: Int
    /// Work space for prox_{sigma f*} through the Moreau identity, when a subclass asks for it.
    private let moreauScratch: AlignedBuffer<UInt8>?
    private let busy = Atomic<Bool>(false)

    /// `moreauScratch`: allocate the buffer that the default `proxConjugate` (by the Moreau
    /// identity) needs; subclasses with a direct conjugate prox pass false.
    public init(shape: [Int], type: ScalarType, moreauScratch: Bool = false) throws {
        self.shape = shape
        self.type = type
        count = try LinearOperator.count(shape, type, "functional")
        self.moreauScratch = moreauScratch ? try AlignedBuffer(count: count * type.size) : nil
    }

    public var precision: ScalarType.Precision { type.precision }
    /// Reals in an argument (twice `count` for complex data).
    public var realCount: Int { count * type.components }
    public var bytes: Int { count * type.size }

    /// A short name for messages, e.g. "l1 norm".
    open var name: String { "functional" }
    open var capabilities: FunctionalCapabilities { [.value] }
    /// A Lipschitz constant of the gradient, when `.lipschitz` is a capability.
    open var gradientLipschitz: Double { .infinity }
    /// The strong-convexity modulus (0 unless `.stronglyConvex`).
    open var strongConvexity: Double { 0 }
    /// Whether f is a quadratic (plus a constant): conjugate gradients minimise sums of these.
    open var isQuadratic: Bool { false }

    /// This functional as (c/2) ||M z - b||_W^2, when it is one (see `LeastSquaresForm`).
    package var leastSquaresForm: LeastSquaresForm? { nil }
    /// How a dual point of this functional may move along the constant vector 1 and keep f*
    /// finite (the certificate's remedy for a constraint x >= 0), or nil where it may not.
    package var dualRay: DualRay? { nil }

    public var description: String { "\(name): \(shape) \(type)" }

    // ---- Entry points: argument checks, the one-call-at-a-time rule, then the implementation ---

    /// f(x); +infinity when x is outside the domain.
    public final func value(_ x: UnsafeRawPointer) throws -> Double {
        try require(.value, "value")
        return try exclusive { try evaluate(x) }
    }

    /// f*(s); +infinity when s is outside the conjugate's domain.
    public final func conjugateValue(_ s: UnsafeRawPointer) throws -> Double {
        try require(.conjugateValue, "conjugate value")
        return try exclusive { try evaluateConjugate(s, scale: 1) }
    }

    /// g = grad f(x).
    public final func gradient(_ x: UnsafeRawPointer, into g: UnsafeMutableRawPointer) throws {
        try require(.gradient, "gradient")
        try exclusive { try computeGradient(x, into: g) }
    }

    /// x = prox_{tau f}(v) = argmin_x f(x) + ||x - v||^2 / (2 tau), tau > 0.
    public final func prox(_ v: UnsafeRawPointer, step tau: Double, into x: UnsafeMutableRawPointer) throws {
        try require(.prox, "prox")
        try Self.checkStep(tau, "tau")
        try exclusive { try computeProx(v, step: tau, into: x) }
    }

    /// s = prox_{sigma f*}(v), sigma > 0.
    public final func proxConjugate(_ v: UnsafeRawPointer, step sigma: Double, into s: UnsafeMutableRawPointer) throws {
        try require(.proxConjugate, "conjugate prox")
        try Self.checkStep(sigma, "sigma")
        try exclusive { try computeProxConjugate(v, step: sigma, into: s) }
    }

    /// The largest c in [0, 1] with f*(c s) finite: how far a dual point must be shrunk towards 0
    /// to make a duality gap finite (1 where f* is finite everywhere, as for smooth or bounded-domain
    /// terms). Needs `.conjugateValue`.
    public final func dualScale(_ s: UnsafeRawPointer) throws -> Double {
        try require(.conjugateValue, "dual scale")
        return try exclusive { try computeDualScale(s, scale: 1) }
    }

    /// Whether `proxConjugate(_:steps:stepScale:into:)` exists: prox_{Sigma f*} with one step per
    /// element, for the separable functionals (what per-element primal-dual steps need).
    package var hasDiagonalConjugateProx: Bool { false }

    /// s = prox_{Sigma f*}(v) with Sigma = stepScale * diag(steps): `steps` holds one step > 0 per
    /// real of the argument (complex parts repeated) in the working precision.
    package final func proxConjugate(_ v: UnsafeRawPointer, steps: UnsafeRawPointer, stepScale: Double,
                                     into s: UnsafeMutableRawPointer) throws {
        guard hasDiagonalConjugateProx else {
            throw InverseKitError(.invalidArgument, "\(name) has no conjugate prox with per-element steps")
        }
        try exclusive { try computeProxConjugate(v, steps: steps, stepScale: stepScale, into: s) }
    }

    /// Implements the per-element conjugate prox (only where `hasDiagonalConjugateProx`).
    package func computeProxConjugate(_ v: UnsafeRawPointer, steps: UnsafeRawPointer, stepScale: Double,
                                      into s: UnsafeMutableRawPointer) throws {
        throw InverseKitError(.internalError, "\(name) does not implement its per-element conjugate prox")
    }

    /// For composites: f(x), f*(c s) and the dual scale at c s through the same checks as the
    /// public entry points.
    package final func evaluateChecked(_ x: UnsafeRawPointer) throws -> Double { try value(x) }

    package final func conjugateChecked(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        try require(.conjugateValue, "conjugate value")
        return try exclusive { try evaluateConjugate(s, scale: c) }
    }

    package final func dualScaleChecked(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        try require(.conjugateValue, "dual scale")
        return try exclusive { try computeDualScale(s, scale: c) }
    }

    // ---- Implementations (subclasses override what their capabilities promise) ----------------

    open func evaluate(_ x: UnsafeRawPointer) throws -> Double {
        throw InverseKitError(.internalError, "\(name) does not implement its value")
    }

    /// f*(c s). The factor lets a scaled functional, (lambda f)*(s) = lambda f*(s / lambda),
    /// evaluate without a work buffer.
    open func evaluateConjugate(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        throw InverseKitError(.internalError, "\(name) does not implement its conjugate")
    }

    open func computeGradient(_ x: UnsafeRawPointer, into g: UnsafeMutableRawPointer) throws {
        throw InverseKitError(.internalError, "\(name) does not implement its gradient")
    }

    open func computeProx(_ v: UnsafeRawPointer, step tau: Double, into x: UnsafeMutableRawPointer) throws {
        throw InverseKitError(.internalError, "\(name) does not implement its prox")
    }

    /// prox_{sigma (c f)*}(v) in one pass, for a functional that has such a form (a norm, whose
    /// conjugate's prox for c f is the projection onto the dual ball of radius c); false, writing
    /// nothing, otherwise. `ScaledFunctional` tries it before scaling in and out.
    package func scaledProxConjugate(_ v: UnsafeRawPointer, scale c: Double, step sigma: Double,
                                     into s: UnsafeMutableRawPointer) throws -> Bool {
        false
    }

    /// By default the Moreau identity, prox_{sigma f*}(v) = v - sigma prox_{f/sigma}(v / sigma),
    /// in the buffer allocated at creation.
    open func computeProxConjugate(_ v: UnsafeRawPointer, step sigma: Double, into s: UnsafeMutableRawPointer) throws {
        guard let scratch = moreauScratch else {
            throw InverseKitError(.internalError, "\(name) has no conjugate prox")
        }
        let w = UnsafeMutableRawPointer(scratch.pointer), n = realCount
        Reals.scale(precision, 1 / sigma, v, into: w, n)
        try computeProx(w, step: 1 / sigma, into: w)
        Reals.combine(precision, 1, v, -sigma, w, into: s, n)
    }

    /// The largest t in [0, 1] with f*(t c s) finite.
    open func computeDualScale(_ s: UnsafeRawPointer, scale c: Double) throws -> Double { 1 }

    // ---- Helpers -----------------------------------------------------------------------------

    private func require(_ capability: FunctionalCapabilities, _ what: String) throws {
        guard capabilities.contains(capability) else {
            throw InverseKitError(.invalidArgument, "Invalid functional: \(name) has no \(what)\(Self.hint(capability))")
        }
    }

    private static func hint(_ capability: FunctionalCapabilities) -> String {
        switch capability {
        case .gradient: return " (it is not differentiable; use its prox)"
        case .prox: return " (its prox has no closed form; use it through a solver that applies the operator)"
        default: return ""
        }
    }

    static func checkStep(_ step: Double, _ name: String) throws {
        guard step.isFinite, step > 0 else {
            throw InverseKitError(.invalidArgument, "Invalid \(name): expected a finite step > 0, got \(step)")
        }
    }

    /// Runs `body` as the only call on a stateful functional; stateless ones run it directly.
    package func exclusive<R>(_ body: () throws -> R) throws -> R {
        guard capabilities.contains(.stateful) else { return try body() }
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            throw InverseKitError(.invalidArgument,
                                  "Invalid functional: \(name) is in use by another call; a stateful functional serves one thread at a time")
        }
        defer { busy.store(false, ordering: .releasing) }
        return try body()
    }

    /// Checks that another functional (a part of a composite) has this one's shape and type.
    func requireSameSpace(_ other: Functional, _ what: String) throws {
        guard other.shape == shape else {
            throw InverseKitError(.shape, "Invalid \(what): shape \(other.shape) differs from \(shape)")
        }
        guard other.type == type else {
            throw InverseKitError(.unsupportedType, "Invalid \(what): dtype \(other.type) differs from \(type)")
        }
    }
}

extension Functional {
    /// f(x) from a Swift array of reals (complex interleaved).
    public func value<T: BinaryFloatingPoint>(_ x: [T]) throws -> Double {
        try checkReals(x.count, T.self, "x")
        return try x.withUnsafeBytes { try value($0.baseAddress!) }
    }

    public func conjugateValue<T: BinaryFloatingPoint>(_ s: [T]) throws -> Double {
        try checkReals(s.count, T.self, "s")
        return try s.withUnsafeBytes { try conjugateValue($0.baseAddress!) }
    }

    public func gradient<T: BinaryFloatingPoint>(_ x: [T]) throws -> [T] {
        try checkReals(x.count, T.self, "x")
        var g = [T](repeating: 0, count: realCount)
        try x.withUnsafeBytes { xb in try g.withUnsafeMutableBytes { try gradient(xb.baseAddress!, into: $0.baseAddress!) } }
        return g
    }

    public func prox<T: BinaryFloatingPoint>(_ v: [T], step tau: Double) throws -> [T] {
        try checkReals(v.count, T.self, "v")
        var x = [T](repeating: 0, count: realCount)
        try v.withUnsafeBytes { vb in try x.withUnsafeMutableBytes { try prox(vb.baseAddress!, step: tau, into: $0.baseAddress!) } }
        return x
    }

    public func proxConjugate<T: BinaryFloatingPoint>(_ v: [T], step sigma: Double) throws -> [T] {
        try checkReals(v.count, T.self, "v")
        var s = [T](repeating: 0, count: realCount)
        try v.withUnsafeBytes { vb in
            try s.withUnsafeMutableBytes { try proxConjugate(vb.baseAddress!, step: sigma, into: $0.baseAddress!) }
        }
        return s
    }

    private func checkReals<T>(_ got: Int, _: T.Type, _ name: String) throws {
        guard MemoryLayout<T>.size == (precision == .single ? 4 : 8) else {
            throw InverseKitError(.unsupportedType, "Invalid \(name): the functional works in \(type)")
        }
        guard got == realCount else {
            throw InverseKitError(.shape, "Invalid \(name): expected \(realCount) reals, got \(got)")
        }
    }
}
