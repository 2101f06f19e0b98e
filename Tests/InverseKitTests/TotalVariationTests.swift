import InverseKit
import XCTest

final class TotalVariationTests: XCTestCase {
    func checkAgainstReference(shape: [Int], anisotropic: Bool, weighted: Bool, box: Bool) throws {
        let y = noisyImage(shape, seed: 7)
        var rng = TestRandom(seed: 11)
        let weights: [Double]? = weighted ? rng.uniforms(y.count).map { 0.5 + $0 } : nil
        let lambda = 0.15
        var options = TVOptions(lambda: lambda, norm: anisotropic ? .anisotropic : .isotropic, tolerance: 1e-10,
                                maxIterations: 200_000, threads: 1)
        if box { options.lower = 0.3; options.upper = 0.7 }
        let result = try TotalVariation.denoise(try NDArray(shape: shape, storage: y),
                                                weights: try weights.map { try NDArray(shape: shape, storage: $0) },
                                                options: options)
        XCTAssertTrue(result.info.converged, "\(result.info)")
        let reference = TVReference(shape: shape)
        let ours = reference.objective(result.x.storage, y, lambda: lambda, weights: weights, anisotropic: anisotropic)
        XCTAssertEqual(ours, result.info.primal, accuracy: 1e-9 * ours, "reported primal")
        let cp = reference.solve(y, lambda: lambda, weights: weights, anisotropic: anisotropic,
                                 lower: options.lower, upper: options.upper, iterations: 4000)
        let theirs = reference.objective(cp, y, lambda: lambda, weights: weights, anisotropic: anisotropic)
        // FGP's certified optimum is at least as good as the reference's, and they agree.
        XCTAssertLessThanOrEqual(ours, theirs * (1 + 1e-9))
        XCTAssertEqual(ours, theirs, accuracy: 1e-6 * theirs)
        // The dual certifies x: q is feasible, and x is the better of x(q) = clip(y + div q) and the
        // averaged iterate. P is 1-strongly convex, so both lie within sqrt(2 gap) of the optimum.
        let q = result.dual.storage
        let div = reference.divergence((0..<shape.count).map { c in Array(q[(c * y.count)..<((c + 1) * y.count)]) })
        let xq = (0..<y.count).map { min(max(y[$0] + div[$0], options.lower), options.upper) }
        let primalQ = reference.objective(xq, y, lambda: lambda, weights: weights, anisotropic: anisotropic)
        XCTAssertGreaterThanOrEqual(primalQ, result.info.primal * (1 - 1e-12), "x is the better candidate")
        let distance = zip(result.x.storage, xq).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        let radius = (2 * result.info.gap).squareRoot() + (2 * max(0, primalQ - result.info.dual)).squareRoot()
        XCTAssertLessThanOrEqual(distance, radius + 1e-12)
        for i in 0..<y.count {
            let bound = lambda * (weights?[i] ?? 1)
            let comps = (0..<shape.count).map { q[$0 * y.count + i] }
            let n = anisotropic ? comps.map(abs).max()! : comps.reduce(0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertLessThanOrEqual(n, bound * (1 + 1e-12))
        }
    }

    func testIsotropic2DMatchesReference() throws {
        try checkAgainstReference(shape: [13, 10], anisotropic: false, weighted: false, box: false)
    }

    func testAnisotropic2DWeightedBoxMatchesReference() throws {
        try checkAgainstReference(shape: [9, 12], anisotropic: true, weighted: true, box: true)
    }

    func testIsotropic3DWeightedBoxMatchesReference() throws {
        try checkAgainstReference(shape: [5, 6, 7], anisotropic: false, weighted: true, box: true)
    }

    func testAnisotropic3DMatchesReference() throws {
        try checkAgainstReference(shape: [4, 7, 6], anisotropic: true, weighted: false, box: false)
    }

    func testGapBoundsSuboptimality() throws {
        let shape = [40, 33]
        let y = try NDArray(shape: shape, storage: noisyImage(shape, seed: 3))
        let loose = try TotalVariation.denoise(y, options: TVOptions(lambda: 0.1, tolerance: 1e-2, threads: 1))
        let tight = try TotalVariation.denoise(y, options: TVOptions(lambda: 0.1, tolerance: 1e-9, maxIterations: 100_000, threads: 1))
        XCTAssertTrue(tight.info.converged)
        let suboptimality = loose.info.primal - tight.info.primal
        XCTAssertGreaterThan(suboptimality, 0)
        XCTAssertLessThanOrEqual(suboptimality, loose.info.gap)
        XCTAssertLessThanOrEqual(loose.info.relativeGap, 1e-2)
    }

    func testFloatAgreesWithDouble() throws {
        let shape = [31, 24]
        let yd = noisyImage(shape, seed: 5)
        let options = TVOptions(lambda: 0.1, tolerance: 1e-6, maxIterations: 20_000, threads: 1)
        let d = try TotalVariation.denoise(try NDArray(shape: shape, storage: yd), options: options)
        let f = try TotalVariation.denoise(try NDArray(shape: shape, storage: yd.map(Float.init)), options: options)
        XCTAssertTrue(f.info.converged)
        XCTAssertEqual(f.info.primal, d.info.primal, accuracy: 1e-4 * d.info.primal)
        for i in 0..<yd.count { XCTAssertEqual(Double(f.x.storage[i]), d.x.storage[i], accuracy: 1e-3) }
    }

    func testThreadsGiveTheSameOptimum() throws {
        let shape = [256, 200]
        let y = try NDArray(shape: shape, storage: noisyImage(shape, seed: 9))
        let one = try TotalVariation.denoise(y, options: TVOptions(lambda: 0.1, tolerance: 1e-7, maxIterations: 10_000, threads: 1))
        let two = try TotalVariation.denoise(y, options: TVOptions(lambda: 0.1, tolerance: 1e-7, maxIterations: 10_000, threads: 3))
        XCTAssertEqual(one.info.threads, 1)
        XCTAssertEqual(two.info.threads, 3)
        XCTAssertEqual(one.info.primal, two.info.primal, accuracy: 2e-7 * one.info.primal)
    }

    func testWarmStartFromOptimumStopsAtOnce() throws {
        let shape = [20, 30]
        let y = try NDArray(shape: shape, storage: noisyImage(shape, seed: 4))
        let options = TVOptions(lambda: 0.2, tolerance: 1e-6, maxIterations: 10_000, threads: 1)
        let cold = try TotalVariation.denoise(y, options: options)
        let warm = try TotalVariation.denoise(y, options: options, warmStart: cold.dual)
        XCTAssertGreaterThan(cold.info.iterations, 10)
        XCTAssertEqual(warm.info.iterations, 0)
        XCTAssertTrue(warm.info.converged)
    }

    func testZeroLambdaReturnsClippedInput() throws {
        let y = try NDArray(shape: [3, 4], storage: (0..<12).map { Double($0) / 11 })
        let r = try TotalVariation.denoise(y, options: TVOptions(lambda: 0, lower: 0.25, upper: 0.75))
        XCTAssertEqual(r.x.storage, y.storage.map { min(max($0, 0.25), 0.75) })
        XCTAssertTrue(r.info.converged)
    }

    func testValueMatchesDefinition() throws {
        var rng = TestRandom(seed: 1)
        for shape in [[5, 8], [3, 4, 6]] {
            let x = rng.uniforms(shape.reduce(1, *))
            let w = rng.uniforms(x.count)
            let reference = TVReference(shape: shape)
            for anisotropic in [false, true] {
                let ours = try TotalVariation.value(try NDArray(shape: shape, storage: x), norm: anisotropic ? .anisotropic : .isotropic,
                                                    weights: try NDArray(shape: shape, storage: w))
                XCTAssertEqual(ours, reference.tv(x, weights: w, anisotropic: anisotropic), accuracy: 1e-12 * ours)
            }
        }
    }

    func testBadInputThrows() throws {
        let y = try NDArray(shape: [4, 4], storage: [Double](repeating: 0.5, count: 16))
        func kind(_ body: () throws -> Void) -> InverseKitError.Kind? {
            do { try body() } catch let e as InverseKitError { return e.kind } catch { return nil }
            return nil
        }
        XCTAssertEqual(kind { _ = try TotalVariation.denoise(y, options: TVOptions(lambda: -1)) }, .invalidArgument)
        XCTAssertEqual(kind { _ = try TotalVariation.denoise(y, options: TVOptions(lambda: .nan)) }, .notFinite)
        XCTAssertEqual(kind { _ = try TotalVariation.denoise(y, options: TVOptions(lambda: 0.1, lower: 1, upper: 0)) }, .invalidArgument)
        XCTAssertEqual(kind { _ = try TotalVariation.denoise(try NDArray(shape: [16], storage: y.storage)) }, .shape)
        XCTAssertEqual(kind { _ = try TotalVariation.denoise(try NDArray(shape: [1, 2, 2, 4], storage: y.storage)) }, .shape)
        XCTAssertEqual(kind { _ = try TotalVariation.denoise(y, weights: try NDArray(shape: [4, 3], repeating: 1)) }, .shape)
        XCTAssertEqual(kind { _ = try TotalVariation.denoise(y, weights: try NDArray(shape: [4, 4], repeating: -1)) }, .invalidArgument)
        var nan = y
        nan[2, 3] = .nan
        XCTAssertEqual(kind { _ = try TotalVariation.denoise(nan) }, .notFinite)
        var inf = y
        inf[0, 0] = .infinity
        XCTAssertEqual(kind { _ = try TotalVariation.value(inf) }, .notFinite)
        XCTAssertEqual(kind { _ = try TVGrid(shape: [Int.max / 2, 4]) }, .overflow)
        XCTAssertEqual(kind { _ = try TVGrid(shape: [0, 4]) }, .shape)
    }

    func testProxObjectWarmStartsAcrossCalls() throws {
        let shape = [30, 26]
        let y = noisyImage(shape, seed: 21)
        let options = TVOptions(lambda: 0, tolerance: 1e-7, maxIterations: 50_000, threads: 1)
        let prox = try TVProx<Double>(shape: shape, options: options)
        var x = [Double](repeating: 0, count: y.count)
        let first = try y.withUnsafeBufferPointer { yp in
            try x.withUnsafeMutableBufferPointer { try prox.apply(yp, lambda: 0.1, output: $0) }
        }
        let shifted = y.map { 0.97 * $0 + 0.02 }
        let second = try shifted.withUnsafeBufferPointer { yp in
            try x.withUnsafeMutableBufferPointer { try prox.apply(yp, lambda: 0.12, output: $0) }
        }
        var cold = options
        cold.lambda = 0.12
        let reference = try TotalVariation.denoise(try NDArray(shape: shape, storage: shifted), options: cold)
        XCTAssertTrue(first.converged && second.converged)
        XCTAssertLessThan(second.iterations, reference.info.iterations)
        XCTAssertEqual(second.primal, reference.info.primal, accuracy: 1e-6 * reference.info.primal)
        XCTAssertThrowsError(try TVProx<Double>(shape: shape, options: options, weights: [1, 2]))
    }

    func testMixedPrecisionPathKeepsTheDoubleCertificate() throws {
        let shape = [300, 240] // above the 2^16 pixels where Double problems iterate in Float first
        let y = try NDArray(shape: shape, storage: noisyImage(shape, seed: 17))
        let best = try TotalVariation.denoise(y, options: TVOptions(lambda: 0.1, tolerance: 1e-7, maxIterations: 200_000))
        let fast = try TotalVariation.denoise(y, options: TVOptions(lambda: 0.1, tolerance: 1e-4))
        XCTAssertTrue(fast.info.converged)
        XCTAssertLessThanOrEqual(fast.info.relativeGap, 1e-4)
        let reference = TVReference(shape: shape)
        let primal = reference.objective(fast.x.storage, y.storage, lambda: 0.1, weights: nil, anisotropic: false)
        XCTAssertEqual(primal, fast.info.primal, accuracy: 1e-10 * primal)
        XCTAssertLessThanOrEqual(primal - best.info.primal, fast.info.gap + 1e-9 * primal)
        XCTAssertGreaterThanOrEqual(primal - best.info.primal, -best.info.gap)
    }
}
