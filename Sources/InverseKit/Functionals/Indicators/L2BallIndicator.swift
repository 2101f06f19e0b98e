/// The indicator of the ball ||x - c||_2 <= radius around a centre c (0 inside, +infinity
/// outside): the constraint of a denoising or reconstruction to a known noise level
/// (||A x - y|| <= epsilon, through composition with A).
///
/// prox_{tau f}(v) is the projection c + (v - c) min(1, radius / ||v - c||), pulled inside by a few
/// rounding units so that the rounded result satisfies the constraint; f*(s) = <s, c> + radius ||s||;
/// prox_{sigma f*}(v) = (v - sigma c) max(0, 1 - sigma radius / ||v - sigma c||).
public final class L2BallIndicator: Functional {
    private let centre: AlignedBuffer<UInt8>
    public let radius: Double

    /// `centre`: `count * type.components` finite reals; `radius` finite, >= 0.
    public init(centre: UnsafeBufferPointer<Double>, shape: [Int], type: ScalarType, radius: Double) throws {
        guard radius.isFinite, radius >= 0 else {
            throw InverseKitError(.invalidArgument, "Invalid radius: expected a finite value >= 0, got \(radius)")
        }
        let n = try LinearOperator.count(shape, type, "functional") * type.components
        guard centre.count == n else {
            throw InverseKitError(.shape, "Invalid centre: expected \(n) reals, got \(centre.count)")
        }
        try requireFinite(centre, "centre", components: type.components)
        self.centre = try AlignedBuffer(reals: centre, precision: type.precision)
        self.radius = radius
        try super.init(shape: shape, type: type)
    }

    public convenience init(centre: [Double], shape: [Int], type: ScalarType, radius: Double) throws {
        let copy = try AlignedBuffer(copying: centre)
        try self.init(centre: copy.buffer, shape: shape, type: type, radius: radius)
    }

    override public var name: String { "l2 ball indicator" }
    override public var capabilities: FunctionalCapabilities { [.value, .prox, .proxConjugate, .conjugateValue] }

    private var c: UnsafeRawPointer { UnsafeRawPointer(centre.pointer) }

    override public func evaluate(_ x: UnsafeRawPointer) throws -> Double {
        let distance = Reals.squaredDistance(precision, x, c, realCount).squareRoot()
        return distance <= radius ? 0 : (distance.isNaN ? .nan : .infinity)
    }

    override public func evaluateConjugate(_ s: UnsafeRawPointer, scale k: Double) throws -> Double {
        k * Reals.dot(precision, s, c, realCount) + radius * k.magnitude * Reals.dot(precision, s, s, realCount).squareRoot()
    }

    override public func computeProx(_ v: UnsafeRawPointer, step tau: Double, into x: UnsafeMutableRawPointer) throws {
        let distance = Reals.squaredDistance(precision, v, c, realCount).squareRoot()
        if distance <= radius {
            Reals.copy(precision, v, into: x, realCount)
            return
        }
        let inward = 1 - 4 * precision.unitRoundoff * Double(max(1, realCount)).squareRoot()
        // x = c + f (v - c) = f v + (1 - f) c.
        let f = radius / distance * inward
        Reals.combine(precision, f, v, 1 - f, c, into: x, realCount)
    }

    override public func computeProxConjugate(_ v: UnsafeRawPointer, step sigma: Double,
                                              into s: UnsafeMutableRawPointer) throws {
        // s = (v - sigma c) max(0, 1 - sigma radius / ||v - sigma c||).
        Reals.combine(precision, 1, v, -sigma, c, into: s, realCount)
        let length = Reals.dot(precision, s, s, realCount).squareRoot()
        let f = length > 0 ? max(0, 1 - sigma * radius / length) : 0
        Reals.scale(precision, f, s, realCount)
    }
}
