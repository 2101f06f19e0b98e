/// The certificate of a proximal-gradient run whose G is total variation, c TV(x) (+ the TV
/// functional's box), through TV's own dual.
///
/// TV has no computable conjugate, so the composite dual with G = c TV is out of reach. Written as
/// a split problem, sum_i F_i(K_i x) + c ||D x||_{2,1} + box(x) (D the gradient, the l1 norm for
/// anisotropic TV), its dual needs a point u for the TV term with |u_j| <= c. The TV prox supplies
/// one: x+ = prox_{t c TV}(v) = clip(v + div q) with |q_j| <= t c, so u = q / t satisfies
/// D^H u = (v - x+) / t (to the prox's accuracy), and with the smooth terms' gradients w_i at x+
/// the residual sum_i K_i^H w_i + D^H u tends to 0 as the iteration converges. The split
/// objective's `dual` then gives a finite bound with a box (its support function), and otherwise
/// with the remedies it has (a solution radius, a moved data-term point under x >= 0). Any u in the
/// ball gives a lower bound, so an inexact prox only loosens the bound.
///
/// Unweighted TV only (the split needs a weighted group norm for per-pixel weights).
final class TVSplitCertificate {
    private let tv: TVFunctional
    private let split: CompositeObjective
    /// u, in the gradient's output shape.
    private let point: AlignedBuffer<UInt8>
    private let precision: ScalarType.Precision

    /// nil unless `objective.g` is TV (possibly scaled) without weights.
    init?(_ objective: CompositeObjective) throws {
        var scale = 1.0
        var g = objective.g
        while let scaled = g as? ScaledFunctional {
            scale *= scaled.scale
            g = scaled.base
        }
        guard let tv = g as? TVFunctional, !tv.isWeighted, scale >= 0 else { return nil }
        let shape = objective.shape, type = objective.type
        let gradient = try GradientOperator(shape: shape, type: type)
        let norm: Functional = tv.options.norm == .isotropic
            ? try GroupL21Norm(shape: gradient.outputShape, type: type, axis: 0)
            : try L1Norm(shape: gradient.outputShape, type: type)
        let lower = tv.options.lower, upper = tv.options.upper
        let box: Functional? = lower.isFinite || upper.isFinite
            ? try BoxIndicator(shape: shape, type: type, lower: lower, upper: upper) : nil
        split = try CompositeObjective(terms: objective.terms + [ObjectiveTerm(try ScaledFunctional(norm, scale: scale), gradient)],
                                       g: box, shape: shape, type: type)
        split.solutionRadius = objective.solutionRadius
        self.tv = tv
        precision = type.precision
        point = try AlignedBuffer(count: gradient.outputCount * type.size)
    }

    /// The lower bound on min P from the smooth terms' dual points `gradients` (grad F_i at K_i x+)
    /// and the last TV prox, taken with step `step` (-infinity before any prox).
    func dual(_ gradients: [UnsafeRawPointer], step: Double) throws -> Double {
        let u = UnsafeMutableRawPointer(point.pointer)
        guard step > 0, tv.lastDual(into: u) else { return -.infinity }
        let count = point.count / (precision == .single ? 4 : 8)
        Reals.scale(precision, 1 / step, u, into: u, count)
        return try split.dual(gradients + [UnsafeRawPointer(u)])
    }
}
