/// g(x) = f(K x) for a linear operator K whose output is f's argument: a data term f(A x) (the
/// Kullback-Leibler divergence KL(y, A x + b), ||A x - y||_1) or an analysis prior f(D x).
///
/// Value and gradient (K^H grad f(K x), Lipschitz L_f ||K||^2 with the operator's cached norm
/// bound) are offered; the prox of a composition has no closed form in general, so splitting
/// solvers take f and K separately (`PrimalDual` terms) instead. Stateful: it holds K x.
public final class ComposedFunctional: Functional {
    public let base: Functional
    public let linearOperator: LinearOperator
    private let image: AlignedBuffer<UInt8>
    private let lipschitz: Double

    public init(_ base: Functional, operator k: LinearOperator) throws {
        guard k.outputShape == base.shape else {
            throw InverseKitError(.shape, "Invalid operator: its output shape \(k.outputShape) differs from the functional's \(base.shape)")
        }
        guard k.outputType == base.type else {
            throw InverseKitError(.unsupportedType, "Invalid operator: its output dtype \(k.outputType) differs from the functional's \(base.type)")
        }
        self.base = base
        linearOperator = k
        image = try AlignedBuffer(count: k.outputBytes)
        if base.capabilities.contains(.lipschitz) {
            let norm = try k.normUpperBound()
            lipschitz = base.gradientLipschitz * norm * norm
        } else {
            lipschitz = .infinity
        }
        try super.init(shape: k.inputShape, type: k.inputType)
    }

    override public var name: String { "\(base.name)(K x)" }
    override public var capabilities: FunctionalCapabilities {
        base.capabilities.intersection([.value, .gradient, .lipschitz]).union(.stateful)
    }
    override public var gradientLipschitz: Double { lipschitz }
    override public var isQuadratic: Bool { base.isQuadratic }
    override package var leastSquaresForm: LeastSquaresForm? {
        guard var form = base.leastSquaresForm else { return nil }
        form.operators.insert(linearOperator, at: 0)
        form.owners.append(self)
        return form
    }

    override public func evaluate(_ x: UnsafeRawPointer) throws -> Double {
        let z = UnsafeMutableRawPointer(image.pointer)
        try linearOperator.apply(x, into: z)
        return try base.evaluateChecked(z)
    }

    override public func computeGradient(_ x: UnsafeRawPointer, into g: UnsafeMutableRawPointer) throws {
        let z = UnsafeMutableRawPointer(image.pointer)
        try linearOperator.apply(x, into: z)
        try base.gradient(z, into: z)
        try linearOperator.applyAdjoint(z, into: g)
    }
}
