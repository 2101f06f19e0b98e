/// f(x) = sum_g ||x_g||_2, the mixed l2,1 norm: groups are the vectors along one axis of the array
/// (for complex data both parts of every element belong to its group). With axis 0 of a
/// (d, n1, n2) array of gradients it is isotropic TV's norm; in multi-channel or multi-coil
/// problems it couples the channels.
///
/// prox_{tau f}(v)_g = v_g max(0, 1 - tau / ||v_g||); f*(s) = 0 if every ||s_g|| <= 1, else
/// +infinity; prox_{sigma f*}(v)_g = v_g / max(1, ||v_g||).
public final class GroupL21Norm: Functional {
    public let axis: Int
    private let outer: Int, along: Int, inner: Int

    /// `axis` (0..<shape.count) runs along each group.
    public init(shape: [Int], type: ScalarType, axis: Int) throws {
        guard axis >= 0, axis < shape.count else {
            throw InverseKitError(.invalidArgument, "Invalid axis: expected 0..<\(shape.count), got \(axis)")
        }
        self.axis = axis
        try _ = LinearOperator.count(shape, type, "functional")
        outer = shape[..<axis].reduce(1, *)
        along = shape[axis]
        inner = shape[(axis + 1)...].reduce(1, *) * type.components
        try super.init(shape: shape, type: type)
    }

    override public var name: String { "group l2,1 norm" }
    override public var capabilities: FunctionalCapabilities { [.value, .prox, .proxConjugate, .conjugateValue] }

    override public func evaluate(_ x: UnsafeRawPointer) throws -> Double {
        var total = 0.0
        forEachGroupNorm(x) { total += $0 }
        return total
    }

    override public func evaluateConjugate(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        largestNorm(s) * c.magnitude <= 1 ? 0 : .infinity
    }

    override public func computeDualScale(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        let largest = largestNorm(s) * c.magnitude
        if largest <= 1 { return 1 }
        return largest.isFinite ? (1 / largest) * (1 - 8 * precision.unitRoundoff * Double(along).squareRoot()) : 0
    }

    private func largestNorm(_ s: UnsafeRawPointer) -> Double {
        var largest = 0.0
        forEachGroupNorm(s) { norm in if !(norm <= largest) { largest = norm.isNaN ? .infinity : norm } }
        return largest
    }

    override public func computeProx(_ v: UnsafeRawPointer, step tau: Double, into x: UnsafeMutableRawPointer) throws {
        scaleGroups(v, x) { norm in norm > 0 ? max(0, 1 - tau / norm) : 0 }
    }

    override public func computeProxConjugate(_ v: UnsafeRawPointer, step sigma: Double,
                                              into s: UnsafeMutableRawPointer) throws {
        // Pulled in by a few rounding units, so that the rounded group stays in the unit ball.
        let inward = 1 - 4 * precision.unitRoundoff * Double(along).squareRoot()
        scaleGroups(v, s) { norm in norm > 1 ? inward / norm : 1 }
    }

    /// Calls body(||group||) for every group; norms in double.
    private func forEachGroupNorm(_ x: UnsafeRawPointer, _ body: (Double) -> Void) {
        switch precision {
        case .single: groupNorms(x.assumingMemoryBound(to: Float.self), body)
        case .double: groupNorms(x.assumingMemoryBound(to: Double.self), body)
        }
    }

    private func groupNorms<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, _ body: (Double) -> Void) {
        forEachTile(x) { _, _, width, norms in
            for j in stride(from: 0, to: width, by: components) { body(norms[j]) }
        }
    }

    // Groups run with stride `inner`: their norms are accumulated a tile of inner indices at a
    // time, in a stack buffer, so that memory is read in order.
    private static var tile: Int { 256 }
    private var components: Int { type.components }

    /// Calls body(outer index, first inner index, width, norms) for each tile of groups, with the
    /// norms of the tile's groups (for complex data both parts of an element hold their group's
    /// norm; tiles are even).
    private func forEachTile<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>,
                                                     _ body: (Int, Int, Int, UnsafeMutableBufferPointer<Double>) -> Void) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: Self.tile) { sums in
            for o in 0..<outer {
                var start = 0
                while start < inner {
                    let width = min(Self.tile, inner - start)
                    for j in 0..<width { sums[j] = 0 }
                    for k in 0..<along {
                        let row = x + (o * along + k) * inner + start
                        for j in 0..<width { let v = Double(row[j]); sums[j] += v * v }
                    }
                    for j in stride(from: 0, to: width, by: components) {
                        let total = components == 2 ? sums[j] + sums[j + 1] : sums[j]
                        for c in 0..<components { sums[j + c] = total.squareRoot() }
                    }
                    body(o, start, width, sums)
                    start += width
                }
            }
        }
    }

    /// out_g = factor(||v_g||) v_g.
    private func scaleGroups(_ v: UnsafeRawPointer, _ out: UnsafeMutableRawPointer, _ factor: (Double) -> Double) {
        switch precision {
        case .single: scaleGroups(v.assumingMemoryBound(to: Float.self), out.assumingMemoryBound(to: Float.self), factor)
        case .double: scaleGroups(v.assumingMemoryBound(to: Double.self), out.assumingMemoryBound(to: Double.self), factor)
        }
    }

    private func scaleGroups<T: BinaryFloatingPoint>(_ v: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
                                                     _ factor: (Double) -> Double) {
        forEachTile(v) { o, start, width, factors in
            for j in 0..<width { factors[j] = factor(factors[j]) }
            for k in 0..<along {
                let offset = (o * along + k) * inner + start
                for j in 0..<width { out[offset + j] = T(Double(v[offset + j]) * factors[j]) }
            }
        }
    }
}
