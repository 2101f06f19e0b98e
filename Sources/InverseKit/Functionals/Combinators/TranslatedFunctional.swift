/// g(x) = f(x - b) for a fixed offset b of f's shape: f centred on data, e.g. (1/2) ||z - y||^2
/// or ||z - y||_1 as the data term of a primal-dual splitting.
///
/// prox_{tau g}(v) = b + prox_{tau f}(v - b); g*(s) = f*(s) + <s, b>;
/// prox_{sigma g*}(v) = prox_{sigma f*}(v - sigma b); grad g(x) = grad f(x - b). Its value needs a
/// work buffer (allocated at creation), which makes it stateful.
public final class TranslatedFunctional: Functional {
    public let base: Functional
    private let offset: AlignedBuffer<UInt8>
    private let shifted: AlignedBuffer<UInt8>

    /// `offset`: `base.realCount` finite reals (complex interleaved).
    public init(_ base: Functional, offset: UnsafeBufferPointer<Double>) throws {
        guard offset.count == base.realCount else {
            throw InverseKitError(.shape, "Invalid offset: expected \(base.realCount) reals (\(base.shape) \(base.type)), got \(offset.count)")
        }
        try requireFinite(offset, "offset", components: base.type.components)
        self.base = base
        self.offset = try AlignedBuffer(reals: offset, precision: base.precision)
        shifted = try AlignedBuffer(count: base.bytes)
        try super.init(shape: base.shape, type: base.type)
    }

    public convenience init(_ base: Functional, offset: [Double]) throws {
        let copy = try AlignedBuffer(copying: offset)
        try self.init(base, offset: copy.buffer)
    }

    override public var name: String { "\(base.name)(x - b)" }
    override public var capabilities: FunctionalCapabilities { base.capabilities.union(.stateful) }
    override public var gradientLipschitz: Double { base.gradientLipschitz }
    override public var strongConvexity: Double { base.strongConvexity }
    override public var isQuadratic: Bool { base.isQuadratic }
    /// g* = f* + <., b> has f*'s domain.
    override package var dualRay: DualRay? { base.dualRay }

    private var b: UnsafeRawPointer { UnsafeRawPointer(offset.pointer) }

    /// f(z - b) with f = (c/2) ||z - b'||_W^2 (no operator) is (c/2) ||z - (b + b')||_W^2: only a
    /// base without an offset of its own is taken (then the offset is b).
    override package var leastSquaresForm: LeastSquaresForm? {
        guard var form = base.leastSquaresForm, form.operators.isEmpty, form.offset == nil else { return nil }
        form.offset = b
        form.owners.append(self)
        return form
    }

    override public func evaluate(_ x: UnsafeRawPointer) throws -> Double {
        let z = UnsafeMutableRawPointer(shifted.pointer)
        Reals.combine(precision, 1, x, -1, b, into: z, realCount)
        return try base.evaluateChecked(z)
    }

    override public func evaluateConjugate(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        try base.conjugateChecked(s, scale: c) + c * Reals.dot(precision, s, b, realCount)
    }

    override public func computeDualScale(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        try base.dualScaleChecked(s, scale: c)
    }

    override public func computeGradient(_ x: UnsafeRawPointer, into g: UnsafeMutableRawPointer) throws {
        Reals.combine(precision, 1, x, -1, b, into: g, realCount)
        try base.gradient(g, into: g)
    }

    override public func computeProx(_ v: UnsafeRawPointer, step tau: Double, into x: UnsafeMutableRawPointer) throws {
        Reals.combine(precision, 1, v, -1, b, into: x, realCount)
        try base.prox(x, step: tau, into: x)
        Reals.combine(precision, 1, x, 1, b, into: x, realCount)
    }

    override public func computeProxConjugate(_ v: UnsafeRawPointer, step sigma: Double,
                                              into s: UnsafeMutableRawPointer) throws {
        Reals.combine(precision, 1, v, -sigma, b, into: s, realCount)
        try base.proxConjugate(s, step: sigma, into: s)
    }

    override package var hasDiagonalConjugateProx: Bool { base.hasDiagonalConjugateProx }

    /// prox_{Sigma f*}(v - Sigma b).
    override package func computeProxConjugate(_ v: UnsafeRawPointer, steps: UnsafeRawPointer, stepScale c: Double,
                                               into s: UnsafeMutableRawPointer) throws {
        func run<T: BinaryFloatingPoint>(_: T.Type) {
            let p = v.assumingMemoryBound(to: T.self), t = steps.assumingMemoryBound(to: T.self)
            let o = b.assumingMemoryBound(to: T.self), out = s.assumingMemoryBound(to: T.self)
            for k in 0..<realCount { out[k] = T(Double(p[k]) - c * Double(t[k]) * Double(o[k])) }
        }
        switch precision {
        case .single: run(Float.self)
        case .double: run(Double.self)
        }
        try base.proxConjugate(s, steps: steps, stepScale: c, into: s)
    }
}
