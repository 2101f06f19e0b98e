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
        switch precision {
        case .single: return reduceNorms(x.assumingMemoryBound(to: Float.self), largest: false)
        case .double: return reduceNorms(x.assumingMemoryBound(to: Double.self), largest: false)
        }
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
        let largest: Double
        switch precision {
        case .single: largest = reduceNorms(s.assumingMemoryBound(to: Float.self), largest: true)
        case .double: largest = reduceNorms(s.assumingMemoryBound(to: Double.self), largest: true)
        }
        return largest.isNaN ? .infinity : largest
    }

    override public func computeProx(_ v: UnsafeRawPointer, step tau: Double, into x: UnsafeMutableRawPointer) throws {
        scaleGroups(v, x, .shrink(tau))
    }

    override public func computeProxConjugate(_ v: UnsafeRawPointer, step sigma: Double,
                                              into s: UnsafeMutableRawPointer) throws {
        // Pulled in by a few rounding units, so that the rounded group stays in the unit ball.
        scaleGroups(v, s, .project(1, inward))
    }

    /// For c ||.||_{2,1}: the projection onto groups of norm <= c, one pass instead of scaling in
    /// and out.
    override package func scaledProxConjugate(_ v: UnsafeRawPointer, scale c: Double, step sigma: Double,
                                              into s: UnsafeMutableRawPointer) throws -> Bool {
        scaleGroups(v, s, .project(c, inward))
        return true
    }

    private var inward: Double { 1 - 4 * precision.unitRoundoff * Double(along).squareRoot() }

    /// The factor each group is scaled by, as a function of its norm.
    private enum GroupScaling {
        case shrink(Double)   // max(0, 1 - tau / norm): the prox
        case project(Double, Double)  // radius r, inward: r inward / norm outside the ball of radius r
    }

    // Groups run with stride `inner`: their norms are accumulated a tile of inner indices at a
    // time, in a stack buffer, so that memory is read in order. Tiles are independent: large
    // arrays split them between threads.
    private static var tile: Int { 256 }
    private var components: Int { type.components }
    private var tilesPerOuter: Int { (inner + Self.tile - 1) / Self.tile }

    /// Calls body(outer index, first inner index, width, norms) for the tiles in `tiles`, with the
    /// norms of the tile's groups (for complex data both parts of an element hold their group's
    /// norm; tiles are even).
    @inline(__always)
    private func forEachTile<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, _ tiles: Range<Int>,
                                                     _ body: (Int, Int, Int, UnsafeMutableBufferPointer<Double>) -> Void) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: Self.tile) { sums in
            for t in tiles {
                let o = t / tilesPerOuter, start = (t % tilesPerOuter) * Self.tile
                let width = min(Self.tile, inner - start)
                for j in 0..<width { sums[j] = 0 }
                for k in 0..<along {
                    let row = x + (o * along + k) * inner + start
                    for j in 0..<width { let v = Double(row[j]); sums[j] += v * v }
                }
                if components == 2 {
                    for j in stride(from: 0, to: width, by: 2) {
                        let norm = (sums[j] + sums[j + 1]).squareRoot()
                        sums[j] = norm
                        sums[j + 1] = norm
                    }
                } else {
                    for j in 0..<width { sums[j] = sums[j].squareRoot() }
                }
                body(o, start, width, sums)
            }
        }
    }

    /// The sum (or the largest) of the group norms; NaN propagates.
    private func reduceNorms<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, largest: Bool) -> Double {
        let tiles = outer * tilesPerOuter, step = components
        let part = { (range: Range<Int>) -> Double in
            var total = 0.0
            self.forEachTile(x, range) { _, _, width, norms in
                if largest {
                    for j in stride(from: 0, to: width, by: step) where !(norms[j] <= total) {
                        total = norms[j].isNaN ? .nan : norms[j]
                        if total.isNaN { return }
                    }
                } else {
                    for j in stride(from: 0, to: width, by: step) { total += norms[j] }
                }
            }
            return total
        }
        return largest ? ParallelLoops.maximum(tiles, work: count * step, part)
            : ParallelLoops.sum(tiles, work: count * step, part)
    }

    /// out_g = factor(||v_g||) v_g.
    private func scaleGroups(_ v: UnsafeRawPointer, _ out: UnsafeMutableRawPointer, _ scaling: GroupScaling) {
        // Real groups of 2 or 3 (TV's gradient fields): one vectorised pass.
        if case .project(let radius, let inward) = scaling, components == 1, along == 2 || along == 3 {
            switch precision {
            case .single: project(v.assumingMemoryBound(to: Float.self), out.assumingMemoryBound(to: Float.self), radius * inward)
            case .double: project(v.assumingMemoryBound(to: Double.self), out.assumingMemoryBound(to: Double.self), radius * inward)
            }
            return
        }
        switch precision {
        case .single: scaleGroups(v.assumingMemoryBound(to: Float.self), out.assumingMemoryBound(to: Float.self), scaling)
        case .double: scaleGroups(v.assumingMemoryBound(to: Double.self), out.assumingMemoryBound(to: Double.self), scaling)
        }
    }

    /// Each group of 2 or 3 real components scaled by bound / max(norm, bound): onto the ball of
    /// radius `bound` (radius times the inward margin), in lane vectors.
    private func project<T: LaneScalar>(_ v: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ bound: Double) {
        let inner = inner, along = along, three = along == 3, groups = outer
        ParallelLoops.ranges(groups * inner, work: 2 * count) { range in
            typealias V = T.Lanes
            let w = V.width, b = V(repeating: T(bound))
            var i = range.lowerBound
            while i < range.upperBound {
                // A run within one outer index, so that the components are `inner` apart.
                let o = i / inner, start = i % inner
                let end = min(range.upperBound - o * inner, inner)
                let base = o * along * inner
                let x0 = v + base, x1 = x0 + inner, x2 = x1 + inner
                let y0 = out + base, y1 = y0 + inner, y2 = y1 + inner
                var j = start
                while j + w <= end {
                    let a = V.load(x0 + j), c = V.load(x1 + j)
                    if three {
                        let d = V.load(x2 + j)
                        let f = V.ballScale(squaredLength: V.fma(a, a, V.fma(c, c, d * d)), bound: b)
                        (d * f).store(to: y2 + j)
                        (a * f).store(to: y0 + j)
                        (c * f).store(to: y1 + j)
                    } else {
                        let f = V.ballScale(squaredLength: V.fma(a, a, c * c), bound: b)
                        (a * f).store(to: y0 + j)
                        (c * f).store(to: y1 + j)
                    }
                    j += w
                }
                while j < end {
                    let a = Double(x0[j]), c = Double(x1[j]), d = three ? Double(x2[j]) : 0
                    let norm = (a * a + c * c + d * d).squareRoot()
                    let f = norm > bound ? bound / norm : 1
                    y0[j] = T(a * f)
                    y1[j] = T(c * f)
                    if three { y2[j] = T(d * f) }
                    j += 1
                }
                i = o * inner + end
            }
        }
    }

    private func scaleGroups<T: BinaryFloatingPoint>(_ v: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
                                                     _ scaling: GroupScaling) {
        ParallelLoops.ranges(outer * tilesPerOuter, work: 2 * count * components) { tiles in
            self.forEachTile(v, tiles) { o, start, width, factors in
                switch scaling {
                case .shrink(let tau):
                    for j in 0..<width { let n = factors[j]; factors[j] = n > 0 ? Swift.max(0, 1 - tau / n) : 0 }
                case .project(let radius, let inward):
                    let bound = radius * inward
                    for j in 0..<width { let n = factors[j]; factors[j] = n > radius ? bound / n : 1 }
                }
                for k in 0..<self.along {
                    let offset = (o * self.along + k) * self.inner + start
                    for j in 0..<width { out[offset + j] = T(Double(v[offset + j]) * factors[j]) }
                }
            }
        }
    }
}
