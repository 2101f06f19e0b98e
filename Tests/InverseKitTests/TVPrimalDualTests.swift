import InverseKit
import XCTest

/// The primal-dual path of TV denoising: 2-D cold starts to a tolerance whose dual the caller does
/// not keep (the buffer API with `dual: nil`).
final class TVPrimalDualTests: XCTestCase {
    /// Solves without a kept dual (the primal-dual path) or with one (the dual method).
    func solve<T: BinaryFloatingPoint>(_ y: [T], _ shape: [Int], weights: [T]? = nil, _ options: TVOptions,
                                       keepDual: Bool = false) throws -> ([T], TVInfo) {
        let grid = try TVGrid(shape: shape)
        var x = [T](repeating: 0, count: y.count)
        var q = [T](repeating: 0, count: grid.components * y.count)
        let info = try y.withUnsafeBufferPointer { yp in
            try x.withUnsafeMutableBufferPointer { xp in
                try q.withUnsafeMutableBufferPointer { qp in
                    if let weights {
                        return try weights.withUnsafeBufferPointer { wp in
                            try TotalVariation.denoise(yp, grid: grid, weights: wp, options: options, output: xp,
                                                       dual: keepDual ? qp : nil, warmStart: false)
                        }
                    }
                    return try TotalVariation.denoise(yp, grid: grid, weights: nil, options: options, output: xp,
                                                      dual: keepDual ? qp : nil, warmStart: false)
                }
            }
        }
        return (x, info)
    }

    func testMatchesReferenceWithWeightsBoxAndBothNorms() throws {
        for (shape, anisotropic, weighted, box) in [([31, 24], false, false, false), ([31, 24], true, true, true),
                                                     ([40, 33], false, true, true), ([1, 50], false, false, false)] {
            let y = noisyImage(shape, seed: 5)
            var rng = TestRandom(seed: 3)
            let weights: [Double]? = weighted ? rng.uniforms(y.count).map { 0.5 + $0 } : nil
            let lambda = 0.15
            var options = TVOptions(lambda: lambda, norm: anisotropic ? .anisotropic : .isotropic, tolerance: 1e-8,
                                    maxIterations: 200_000, threads: 1)
            if box { options.lower = 0.3; options.upper = 0.7 }
            let (x, info) = try solve(y, shape, weights: weights, options)
            let label = "\(shape) anisotropic=\(anisotropic) weighted=\(weighted) box=\(box)"
            XCTAssertTrue(info.converged, label)
            XCTAssertLessThanOrEqual(info.relativeGap, 1e-8, label)
            XCTAssertTrue(x.allSatisfy { $0 >= options.lower && $0 <= options.upper }, label)
            let reference = TVReference(shape: shape)
            let ours = reference.objective(x, y, lambda: lambda, weights: weights, anisotropic: anisotropic)
            XCTAssertEqual(ours, info.primal, accuracy: 1e-9 * ours, "reported primal, \(label)")
            // The certificate: the dual method's optimum, certified independently to 1e-11, lies
            // between D and P.
            options.tolerance = 1e-11
            let (_, tight) = try solve(y, shape, weights: weights, options, keepDual: true)
            XCTAssertTrue(tight.converged, label)
            XCTAssertLessThanOrEqual(info.dual, tight.primal * (1 + 1e-12), label)
            XCTAssertLessThanOrEqual(tight.primal - 1e-11 * tight.primal, ours, label)
            XCTAssertLessThanOrEqual(ours - tight.dual, info.gap + 1e-11 * tight.primal, label)
            let cp = reference.solve(y, lambda: lambda, weights: weights, anisotropic: anisotropic,
                                     lower: options.lower, upper: options.upper, iterations: 4000)
            let theirs = reference.objective(cp, y, lambda: lambda, weights: weights, anisotropic: anisotropic)
            XCTAssertEqual(ours, theirs, accuracy: 1e-6 * theirs, label)
        }
    }

    func testThreadsTakeTheSameSteps() throws {
        // Six rows of 20000 pixels: with five threads some slabs are a single row.
        let shape = [6, 20000]
        let y = noisyImage(shape, seed: 8)
        let one = try solve(y, shape, TVOptions(lambda: 0.1, tolerance: 1e-6, maxIterations: 5000, threads: 1))
        let five = try solve(y, shape, TVOptions(lambda: 0.1, tolerance: 1e-6, maxIterations: 5000, threads: 5))
        XCTAssertEqual(one.1.threads, 1)
        XCTAssertEqual(five.1.threads, 5)
        XCTAssertTrue(one.1.converged && five.1.converged)
        // Each row's steps do not depend on the split; only the order of the gap's sums does.
        XCTAssertEqual(one.1.iterations, five.1.iterations)
        for i in 0..<y.count { XCTAssertEqual(one.0[i], five.0[i], accuracy: 1e-12) }
        XCTAssertEqual(one.1.primal, five.1.primal, accuracy: 1e-12 * one.1.primal)
    }

    func testPairsOfIterationsTakeTheSameStepsAsSingleOnes() throws {
        // With a gap evaluation after every iteration the solver never pairs iterations; with one
        // at the end it pairs them all. Slabs of one, two and several rows (three threads).
        for shape in [[3, 30000], [6, 20000], [40, 2100]] {
            let y = noisyImage(shape, seed: 12)
            var options = TVOptions(lambda: 0.1, tolerance: 1e-14, maxIterations: 24, threads: 3, checkInterval: 1)
            let single = try solve(y, shape, options)
            options.checkInterval = 24
            let paired = try solve(y, shape, options)
            XCTAssertEqual(single.1.iterations, 24)
            XCTAssertEqual(paired.1.iterations, 24)
            XCTAssertEqual(single.0, paired.0, "\(shape)")
            XCTAssertEqual(single.1.primal, paired.1.primal, accuracy: 1e-12 * single.1.primal)
        }
    }

    func testFloatGapFloorHandsOverToTheDualMethod() throws {
        // Float cannot certify 1e-12: the primal-dual gap stops falling, the dual method takes over
        // from its state and runs out the budget. The certificate must still hold.
        let shape = [48, 40]
        let y = noisyImage(shape, seed: 2)
        let options = TVOptions(lambda: 0.1, tolerance: 1e-12, maxIterations: 3000, threads: 2)
        let (x, info) = try solve(y.map { Float($0) }, shape, options)
        XCTAssertFalse(info.converged)
        XCTAssertEqual(info.iterations, 3000)
        var tight = options
        tight.tolerance = 1e-11
        tight.maxIterations = 200_000
        let (_, best) = try solve(y, shape, tight, keepDual: true)
        let reference = TVReference(shape: shape)
        let ours = reference.objective(x.map { Double($0) }, y, lambda: 0.1, weights: nil, anisotropic: false)
        // Float arithmetic: the bounds hold to its precision.
        XCTAssertEqual(ours, info.primal, accuracy: 1e-5 * ours)
        XCTAssertLessThanOrEqual(info.dual, best.primal * (1 + 1e-5))
        XCTAssertLessThanOrEqual(ours - best.primal, 1e-5 * best.primal)
    }
}
