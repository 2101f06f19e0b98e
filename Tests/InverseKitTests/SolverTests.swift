import InverseKit
import XCTest

/// The solvers against independent optima, with certificates that bound the true suboptimality.
final class SolverTests: XCTestCase {
    private func noisy(_ n: Int, seed: UInt64) -> [Double] {
        var state = seed
        return (0..<n).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let noise = Double(state >> 11) / Double(1 << 53) - 0.5
            return (i % 7 < 3 ? 1.0 : 0.0) + 0.3 * noise
        }
    }

    /// TV denoising as a PDHG problem (ROF dual: data term in G) against the TV solver's optimum.
    func testPrimalDualMatchesTheTVDenoiser() throws {
        let shape = [17, 14], n = 17 * 14, lambda = 0.15
        let y = noisy(n, seed: 3)
        var tv = TVOptions(lambda: lambda)
        tv.tolerance = 1e-12
        tv.maxIterations = 100_000
        let reference = try TotalVariation.denoise(NDArray(shape: shape, storage: y), options: tv)
        let pStar = reference.info.primal
        let grad = try GradientOperator(shape: shape, type: .float64)
        let l21 = try ScaledFunctional(GroupL21Norm(shape: grad.outputShape, type: .float64, axis: 0), scale: lambda)
        let data = try TranslatedFunctional(SquaredL2Norm(shape: shape, type: .float64), offset: y)
        let objective = try CompositeObjective(terms: [ObjectiveTerm(l21, grad)], g: data, shape: shape, type: .float64)
        var options = SolverOptions()
        options.tolerance = 1e-9
        options.maxIterations = 20000
        var x = [Double](repeating: 0, count: n)
        let info = try x.withUnsafeMutableBytes { try PrimalDual.solve(objective, x: $0.baseAddress!, options: options) }
        XCTAssertEqual(info.stopReason, .converged)
        let p = try x.withUnsafeBytes { try objective.primal($0.baseAddress!) }
        XCTAssertEqual(p, info.primal, accuracy: 1e-12)
        XCTAssertLessThanOrEqual(p - pStar, info.gap + 1e-12 * pStar)   // the certificate bounds the error
        XCTAssertLessThanOrEqual(info.relativeGap, 1e-9)
        XCTAssertLessThanOrEqual((p - pStar) / pStar, 1e-9)
        XCTAssertLessThanOrEqual(info.dual, pStar * (1 + 1e-12))
        // The accelerated schedule (G is 1-strongly convex) reaches the same optimum.
        var steps = PrimalDual.Steps()
        steps.accelerate = true
        steps.primal = 1
        var xa = [Double](repeating: 0, count: n)
        options.tolerance = 1e-6
        let accelerated = try xa.withUnsafeMutableBytes { try PrimalDual.solve(objective, x: $0.baseAddress!, steps: steps, options: options) }
        XCTAssertEqual(accelerated.stopReason, .converged)
        XCTAssertLessThanOrEqual(accelerated.primal - pStar, accelerated.gap + 1e-12 * pStar)
        XCTAssertLessThan(accelerated.primalStep, 1) // the schedule shrinks tau
    }

    /// TV denoising by ADMM (the data term, as G, in the x-step, solved by CG; TV split off) against the
    /// TV solver's optimum, in float64 and float32; the closed-form x-step (a mask's normal solve,
    /// l1 and a box split off) against PDHG; bad settings.
    func testADMMMatchesTheTVDenoiserAndPDHG() throws {
        let shape = [17, 14], n = 17 * 14, lambda = 0.15
        let y = noisy(n, seed: 3)
        var tv = TVOptions(lambda: lambda)
        tv.tolerance = 1e-12
        tv.maxIterations = 100_000
        let pStar = try TotalVariation.denoise(NDArray(shape: shape, storage: y), options: tv).info.primal
        for type in [ScalarType.float64, .float32] {
            let grad = try GradientOperator(shape: shape, type: type)
            let l21 = try ScaledFunctional(GroupL21Norm(shape: grad.outputShape, type: type, axis: 0), scale: lambda)
            let data = try TranslatedFunctional(SquaredL2Norm(shape: shape, type: type), offset: y)
            // The data term as G (least squares, so it stays in the x-step) keeps G* finite.
            let objective = try CompositeObjective(terms: [ObjectiveTerm(l21, grad)], g: data, shape: shape, type: type)
            var options = SolverOptions()
            options.tolerance = type == .float64 ? 1e-9 : 1e-4
            options.maxIterations = 20000
            var settings = ADMM.Settings()
            settings.penalty = 2
            let info: SolverInfo
            if type == .float64 {
                var x = [Double](repeating: 0, count: n)
                info = try x.withUnsafeMutableBytes { try ADMM.solve(objective, x: $0.baseAddress!, settings: settings, options: options) }
                let p = try x.withUnsafeBytes { try objective.primal($0.baseAddress!) }
                XCTAssertEqual(p, info.primal, accuracy: 1e-12)
            } else {
                var x = [Float](repeating: 0, count: n)
                info = try x.withUnsafeMutableBytes { try ADMM.solve(objective, x: $0.baseAddress!, settings: settings, options: options) }
            }
            XCTAssertEqual(info.stopReason, .converged, "\(type)")
            XCTAssertLessThanOrEqual(info.primal - pStar, info.gap + 1e-12 * pStar, "\(type)")
            XCTAssertLessThanOrEqual(info.dual, pStar * (1 + 1e-7), "\(type)")
            XCTAssertEqual(info.primalStep, 2)
        }
        // Closed-form x-step: (M + 2 rho I) is diagonal.
        let maskValues = (0..<n).map { $0 % 4 == 0 ? 0.0 : 1.0 }
        let mask = try DiagonalOperator(shape: shape, mask: maskValues, dataType: .float64)
        let data = try TranslatedFunctional(SquaredL2Norm(shape: shape, type: .float64), offset: zip(y, maskValues).map(*))
        let l1 = try ScaledFunctional(L1Norm(shape: shape, type: .float64), scale: 0.05)
        let box = try BoxIndicator(shape: shape, type: .float64, lower: 0, upper: 1)
        let objective = try CompositeObjective(terms: [ObjectiveTerm(data, mask), ObjectiveTerm(l1)], g: box,
                                               shape: shape, type: .float64)
        var options = SolverOptions()
        options.tolerance = 1e-10
        options.maxIterations = 20000
        var byADMM = [Double](repeating: 0, count: n), byPDHG = byADMM
        let admm = try byADMM.withUnsafeMutableBytes { try ADMM.solve(objective, x: $0.baseAddress!, options: options) }
        let pdhg = try byPDHG.withUnsafeMutableBytes { try PrimalDual.solve(objective, x: $0.baseAddress!, options: options) }
        XCTAssertEqual(admm.stopReason, .converged)
        XCTAssertEqual(pdhg.stopReason, .converged)
        XCTAssertEqual(admm.primal, pdhg.primal, accuracy: 1e-8 * pdhg.primal)
        XCTAssertTrue(byADMM.allSatisfy { $0 >= 0 && $0 <= 1 })
        // Bad settings.
        var bad = ADMM.Settings()
        bad.penalty = -1
        XCTAssertThrowsError(try byADMM.withUnsafeMutableBytes { try ADMM.solve(objective, x: $0.baseAddress!, settings: bad) }) {
            XCTAssertTrue("\($0)".contains("penalty"), "\($0)")
        }
    }

    /// FISTA with G = lambda TV (prox by the TV solver) is certified through the TV prox's dual, and
    /// reaches the optimum PDHG certifies on the split form (TV as a term), isotropic and
    /// anisotropic, with a box; without a box or radius it stays uncertified.
    func testProximalGradientWithTVIsCertified() throws {
        let shape = [15, 13], n = 15 * 13, lambda = 0.1
        let y = noisy(n, seed: 5)
        let maskValues = (0..<n).map { $0 % 3 == 0 ? 0.0 : 1.0 }
        let mask = try DiagonalOperator(shape: shape, mask: maskValues, dataType: .float64)
        let data = try TranslatedFunctional(SquaredL2Norm(shape: shape, type: .float64), offset: zip(y, maskValues).map(*))
        for norm in [TVNorm.isotropic, .anisotropic] {
            var tv = TVOptions()
            tv.norm = norm
            tv.tolerance = 1e-11
            tv.maxIterations = 50000
            tv.lower = 0
            tv.upper = 1
            let g = try ScaledFunctional(TVFunctional(shape: shape, type: .float64, options: tv), scale: lambda)
            let objective = try CompositeObjective(terms: [ObjectiveTerm(data, mask)], g: g, shape: shape, type: .float64)
            var options = SolverOptions()
            options.tolerance = 1e-8
            options.maxIterations = 20000
            var x = [Double](repeating: 0, count: n)
            let fista = try x.withUnsafeMutableBytes { try ProximalGradient.solve(objective, x: $0.baseAddress!, options: options) }
            XCTAssertEqual(fista.stopReason, .converged, "\(norm)")
            // The split form by PDHG, certified by the composite dual.
            let grad = try GradientOperator(shape: shape, type: .float64)
            let penalty: Functional = norm == .isotropic ? try GroupL21Norm(shape: grad.outputShape, type: .float64, axis: 0)
                : try L1Norm(shape: grad.outputShape, type: .float64)
            let split = try CompositeObjective(terms: [ObjectiveTerm(data, mask), ObjectiveTerm(ScaledFunctional(penalty, scale: lambda), grad)],
                                               g: BoxIndicator(shape: shape, type: .float64, lower: 0, upper: 1),
                                               shape: shape, type: .float64)
            options.tolerance = 1e-10
            options.maxIterations = 200_000
            var z = [Double](repeating: 0, count: n)
            let pdhg = try z.withUnsafeMutableBytes { try PrimalDual.solve(split, x: $0.baseAddress!, options: options) }
            XCTAssertEqual(pdhg.stopReason, .converged, "\(norm)")
            let best = min(fista.primal, pdhg.primal)
            XCTAssertLessThanOrEqual(fista.primal - best, fista.gap + 1e-12 * best, "\(norm)")
            XCTAssertLessThanOrEqual(pdhg.primal - fista.dual, pdhg.gap + fista.gap + 1e-12 * best, "\(norm)")
            XCTAssertLessThanOrEqual(fista.dual, pdhg.primal * (1 + 1e-12), "\(norm)")
            XCTAssertLessThanOrEqual(fista.relativeGap, 1e-8, "\(norm)")
        }
        // No box and no radius: G* stays infinite, and the run stops on relative change.
        var tv = TVOptions()
        tv.tolerance = 1e-8
        let g = try ScaledFunctional(TVFunctional(shape: shape, type: .float64, options: tv), scale: lambda)
        let objective = try CompositeObjective(terms: [ObjectiveTerm(data, mask)], g: g, shape: shape, type: .float64)
        var options = SolverOptions()
        options.maxIterations = 200
        var x = [Double](repeating: 0, count: n)
        let info = try x.withUnsafeMutableBytes { try ProximalGradient.solve(objective, x: $0.baseAddress!, options: options) }
        XCTAssertEqual(info.gap, .infinity)
    }

    /// The Lasso by FISTA and by PDHG: both certified, and each certificate bounds the distance to
    /// the better of the two answers.
    func testLassoByTwoSolvers() throws {
        let m = 12, n = 20, lambda = 0.1
        var state: UInt64 = 11
        let entries: [Double] = (0..<(m * n)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        let a = try DenseMatrixOperator(rows: m, columns: n, entries: entries, type: .float64)
        let y = (0..<m).map { sin(Double($0)) }
        let data = try TranslatedFunctional(SquaredL2Norm(shape: [m], type: .float64), offset: y)
        let l1 = try ScaledFunctional(L1Norm(shape: [n], type: .float64), scale: lambda)
        let objective = try CompositeObjective(terms: [ObjectiveTerm(data, a)], g: l1, shape: [n], type: .float64)
        var options = SolverOptions()
        options.tolerance = 1e-10
        options.maxIterations = 200_000
        var xf = [Double](repeating: 0, count: n), xp = xf
        let fista = try xf.withUnsafeMutableBytes { try ProximalGradient.solve(objective, x: $0.baseAddress!, options: options) }
        let pdhg = try xp.withUnsafeMutableBytes { try PrimalDual.solve(objective, x: $0.baseAddress!, options: options) }
        XCTAssertEqual(fista.stopReason, .converged)
        XCTAssertEqual(pdhg.stopReason, .converged)
        let best = min(fista.primal, pdhg.primal)
        XCTAssertLessThanOrEqual(fista.primal - best, fista.gap)
        XCTAssertLessThanOrEqual(pdhg.primal - best, pdhg.gap)
        XCTAssertLessThanOrEqual(max(fista.dual, pdhg.dual), best * (1 + 1e-14))
        for i in 0..<n { XCTAssertEqual(xf[i], xp[i], accuracy: 1e-4) }
    }

    /// Tikhonov by conjugate gradients against the closed-form normal solve.
    func testConjugateGradientsMatchTheClosedForm() throws {
        let shape = [9, 8], n = 72, mu = 0.3
        let maskValues = (0..<n).map { $0 % 3 == 0 ? 0.0 : 1.0 }
        let a = try DiagonalOperator(shape: shape, mask: maskValues, dataType: .float64)
        let y = (0..<n).map { cos(Double($0)) * maskValues[$0] }
        let data = try TranslatedFunctional(SquaredL2Norm(shape: shape, type: .float64), offset: y)
        let ridge = try ScaledFunctional(SquaredL2Norm(shape: shape, type: .float64), scale: mu)
        let objective = try CompositeObjective(terms: [ObjectiveTerm(data, a)], g: ridge, shape: shape, type: .float64)
        var options = SolverOptions()
        options.tolerance = 1e-14
        options.checkInterval = 1
        var x = [Double](repeating: 0, count: n)
        let info = try x.withUnsafeMutableBytes { try ConjugateGradient.solve(objective, x: $0.baseAddress!, options: options) }
        let aty = try a.applyAdjoint(y)
        var exact = [Double](repeating: 0, count: n)
        try aty.withUnsafeBytes { b in try exact.withUnsafeMutableBytes { try a.solveNormal(rho: mu, b.baseAddress!, into: $0.baseAddress!) } }
        for i in 0..<n { XCTAssertEqual(x[i], exact[i], accuracy: 1e-12) }
        XCTAssertTrue(info.gap.isFinite)
        let pStar = try exact.withUnsafeBytes { try objective.primal($0.baseAddress!) }
        XCTAssertLessThanOrEqual(info.primal - pStar, info.gap + 1e-15)
    }

    /// Tikhonov by CGLS and LSQR, in both precisions and on complex data, against the closed-form
    /// normal solve; weighted and composed terms against conjugate gradients; warm starts.
    func testKrylovLeastSquaresMatchTheClosedForm() throws {
        let shape = [9, 8], n = 72, mu = 0.3
        for type in [ScalarType.float64, .float32, .complex128] {
            let c = type.components
            let maskValues = (0..<n).map { $0 % 3 == 0 ? 0.0 : 1.0 }
            let a = try DiagonalOperator(shape: shape, mask: maskValues, dataType: type)
            let y = (0..<(n * c)).map { cos(Double($0)) * maskValues[$0 / c] }
            let data = try LeastSquares(operator: a, data: y)
            let ridge = try ScaledFunctional(SquaredL2Norm(shape: shape, type: type), scale: mu)
            let objective = try CompositeObjective(terms: [ObjectiveTerm(data)], g: ridge, shape: shape, type: type)
            // The exact answer in double precision.
            let exactType = ScalarType(precision: .double, complex: type.isComplex)
            let aDouble = try DiagonalOperator(shape: shape, mask: maskValues, dataType: exactType)
            let aty = try aDouble.applyAdjoint(y)
            var exact = [Double](repeating: 0, count: n * c)
            try aty.withUnsafeBytes { b in try exact.withUnsafeMutableBytes { try aDouble.solveNormal(rho: mu, b.baseAddress!, into: $0.baseAddress!) } }
            for method in [KrylovLeastSquares.Method.cgls, .lsqr] {
                var options = SolverOptions()
                options.tolerance = type.precision == .double ? 1e-13 : 1e-5
                options.checkInterval = 1
                let tolerance = type.precision == .double ? 1e-10 : 1e-4
                let info: SolverInfo
                var x: [Double]
                if type.precision == .double {
                    x = [Double](repeating: 0, count: n * c)
                    info = try x.withUnsafeMutableBytes { try KrylovLeastSquares.solve(objective, x: $0.baseAddress!, method: method, options: options) }
                } else {
                    var xf = [Float](repeating: 0, count: n * c)
                    info = try xf.withUnsafeMutableBytes { try KrylovLeastSquares.solve(objective, x: $0.baseAddress!, method: method, options: options) }
                    x = xf.map(Double.init)
                }
                XCTAssertEqual(info.stopReason, .converged, "\(method) \(type)")
                for i in 0..<(n * c) { XCTAssertEqual(x[i], exact[i], accuracy: tolerance, "\(method) \(type)") }
                if type.precision == .double {
                    let pStar = try exact.withUnsafeBytes { try objective.primal($0.baseAddress!) }
                    XCTAssertLessThanOrEqual(info.primal - pStar, info.gap + 1e-15)
                    // A warm start at the answer stops at once.
                    options.warmStart = true
                    var warm = exact
                    let again = try warm.withUnsafeMutableBytes { try KrylovLeastSquares.solve(objective, x: $0.baseAddress!, method: method, options: options) }
                    XCTAssertLessThanOrEqual(again.iterations, 2)
                }
            }
        }
        // Weighted least squares through a blur, plus Tikhonov of the gradient (generalised
        // Tikhonov, no certificate): the three methods agree.
        var rng = TestRandom(seed: 31)
        let blur = try ConvolutionOperator(shape: shape, kernel: rng.uniforms(9), kernelShape: [3, 3], boundary: .same, precision: .double)
        let weighted = try LeastSquares(operator: blur, data: rng.uniforms(n), weights: rng.uniforms(n).map { 0.5 + $0 })
        let grad = try GradientOperator(shape: shape, type: .float64)
        let smooth = try ScaledFunctional(SquaredL2Norm(shape: grad.outputShape, type: .float64), scale: 0.05)
        let objective = try CompositeObjective(terms: [ObjectiveTerm(weighted), ObjectiveTerm(smooth, grad)], g: nil, shape: shape, type: .float64)
        var options = SolverOptions()
        options.tolerance = 0
        options.changeTolerance = 1e-13
        options.maxIterations = 2000
        var reference = [Double](repeating: 0, count: n)
        _ = try reference.withUnsafeMutableBytes { try ConjugateGradient.solve(objective, x: $0.baseAddress!, options: options) }
        for method in [KrylovLeastSquares.Method.cgls, .lsqr] {
            var x = [Double](repeating: 0, count: n)
            _ = try x.withUnsafeMutableBytes { try KrylovLeastSquares.solve(objective, x: $0.baseAddress!, method: method, options: options) }
            for i in 0..<n { XCTAssertEqual(x[i], reference[i], accuracy: 1e-8, "\(method)") }
        }
        // Not least squares: refused, naming the term.
        let l1 = try L1Norm(shape: shape, type: .float64)
        let lasso = try CompositeObjective(terms: [ObjectiveTerm(weighted), ObjectiveTerm(l1)], g: nil, shape: shape, type: .float64)
        var x = [Double](repeating: 0, count: n)
        XCTAssertThrowsError(try x.withUnsafeMutableBytes { try KrylovLeastSquares.solve(lasso, x: $0.baseAddress!, method: .lsqr) }) {
            XCTAssertTrue("\($0)".contains("terms[1]"), "\($0)")
        }
    }

    /// The callback sees every check, can stop the run, and a run stopped so returns its iterate.
    /// x >= 0 with no box or radius: the certificate moves the data term's dual point along 1
    /// (few-view CT, least squares) or towards the KL term's bound (Poisson deblurring), and is a
    /// bound that closes, in float64 and float32; the plain dual alone is -infinity there.
    func testNonnegativityIsCertifiedThroughTheDataTerm() throws {
        let shape = [12, 12], n = 144, lambda = 0.05
        let truth = noisy(n, seed: 9).map { max($0, 0) }
        let geometry = try ParallelBeamGeometry(rows: 12, columns: 12, angles: (0..<7).map { Double($0) * .pi / 7 })
        let blur = [0.0, 1, 0, 1, 4, 1, 0, 1, 0].map { $0 / 8 }
        for case let (kind, precision) in [("ct", ScalarType.Precision.double), ("ct", .single),
                                            ("poisson", .double), ("poisson", .single)] {
            let type = ScalarType(precision: precision, complex: false)
            let a: LinearOperator = kind == "ct"
                ? try RadonOperator(geometry: geometry, precision: precision)
                : try ConvolutionOperator(shape: shape, kernel: blur, kernelShape: [3, 3], boundary: .periodic, precision: precision)
            let exact: LinearOperator = kind == "ct"
                ? try RadonOperator(geometry: geometry, precision: .double)
                : try ConvolutionOperator(shape: shape, kernel: blur, kernelShape: [3, 3], boundary: .periodic, precision: .double)
            var measured = try exact.apply(truth)
            let data: Functional
            if kind == "ct" {
                data = try TranslatedFunctional(SquaredL2Norm(shape: a.outputShape, type: type), offset: measured)
            } else {
                measured = measured.map { ($0 * 20).rounded() }
                data = try KullbackLeibler(counts: measured, background: [Double](repeating: 0.5, count: measured.count),
                                           shape: a.outputShape, type: type)
            }
            let grad = try GradientOperator(shape: shape, type: type)
            let tv = try ScaledFunctional(GroupL21Norm(shape: grad.outputShape, type: type, axis: 0), scale: lambda)
            let objective = try CompositeObjective(terms: [ObjectiveTerm(data, a), ObjectiveTerm(tv, grad)],
                                                   g: BoxIndicator(nonnegativeShape: shape, type: type), shape: shape, type: type)
            var options = SolverOptions()
            // In float32, PDHG's fixed point leaves a residual of about ulp(x) / tau in the dual
            // constraint, which the certificate pays for: on the KL term tau = 0.05 stalls near a
            // certified 2e-4 (the iterate itself within 1e-8 of the optimum), tau = 0.5 reaches 1e-4.
            options.tolerance = precision == .double ? 1e-9 : 1e-4
            options.maxIterations = 200_000
            var steps = PrimalDual.Steps()
            steps.primal = kind == "ct" ? 0.02 : (precision == .single ? 0.5 : 0.05)
            func run<T: BinaryFloatingPoint>(_: T.Type) throws -> (SolverInfo, [T]) {
                var x = [T](repeating: 0, count: n)
                let info = try x.withUnsafeMutableBytes { try PrimalDual.solve(objective, x: $0.baseAddress!, steps: steps, options: options) }
                return (info, x)
            }
            let (info, x): (SolverInfo, [Double])
            if precision == .double { (info, x) = try run(Double.self) } else {
                let (i, xs) = try run(Float.self)
                (info, x) = (i, xs.map(Double.init))
            }
            XCTAssertEqual(info.stopReason, .converged, "\(kind) \(precision)")
            XCTAssertTrue(info.gap.isFinite && info.dual.isFinite, "\(kind) \(precision)")
            XCTAssertGreaterThanOrEqual(x.min()!, 0)
            // A long float64 run from the same start is the reference: the certificate bounds the error.
            let reference = try CompositeObjective(terms: [ObjectiveTerm(data, a), ObjectiveTerm(tv, grad)],
                                                   g: BoxIndicator(nonnegativeShape: shape, type: type), shape: shape, type: type)
            if precision == .double {
                options.tolerance = 1e-12
                var xr = [Double](repeating: 0, count: n)
                let best = try xr.withUnsafeMutableBytes { try PrimalDual.solve(reference, x: $0.baseAddress!, steps: steps, options: options) }
                XCTAssertLessThanOrEqual(info.primal - best.dual, info.gap * (1 + 1e-9), "\(kind)")
                XCTAssertLessThanOrEqual(best.dual, info.primal, "\(kind)")
                XCTAssertLessThanOrEqual(info.dual, best.primal * (1 + 1e-12), "\(kind)")
                // Diagonal preconditioning reaches the same optimum, certified, in fewer iterations here.
                var diagonal = PrimalDual.Steps()
                diagonal.preconditioned = true
                options.tolerance = 1e-9
                var xp = [Double](repeating: 0, count: n)
                let preconditioned = try xp.withUnsafeMutableBytes {
                    try PrimalDual.solve(reference, x: $0.baseAddress!, steps: diagonal, options: options)
                }
                XCTAssertEqual(preconditioned.stopReason, .converged, "\(kind)")
                XCTAssertLessThan(preconditioned.iterations, info.iterations, "\(kind)")
                XCTAssertLessThanOrEqual(preconditioned.primal - best.dual, preconditioned.gap * (1 + 1e-9), "\(kind)")
                XCTAssertLessThanOrEqual(best.primal - preconditioned.dual, best.gap * (1 + 1e-9) + preconditioned.gap, "\(kind)")
                // It chooses the steps itself.
                diagonal.primal = 0.1
                XCTAssertThrowsError(try xp.withUnsafeMutableBytes {
                    try PrimalDual.solve(reference, x: $0.baseAddress!, steps: diagonal, options: options)
                }) { XCTAssertTrue("\($0)".contains("diagonal preconditioning chooses")) }
            }
        }
    }

    /// An operator without known row and column sums (a user callback) is refused by name.
    func testPreconditioningNeedsTheOperatorsSums() throws {
        let user = try CallbackOperator(inputShape: [4], outputShape: [4], inputType: .float64, outputType: .float64,
                                        forward: { x, y in y.copyMemory(from: x, byteCount: 32) },
                                        adjoint: { y, x in x.copyMemory(from: y, byteCount: 32) })
        let data = try TranslatedFunctional(SquaredL2Norm(shape: [4], type: .float64), offset: [1, 2, 3, 4])
        let objective = try CompositeObjective(terms: [ObjectiveTerm(data, user)], g: nil, shape: [4], type: .float64)
        var steps = PrimalDual.Steps()
        steps.preconditioned = true
        var x = [Double](repeating: 0, count: 4)
        XCTAssertThrowsError(try x.withUnsafeMutableBytes {
            try PrimalDual.solve(objective, x: $0.baseAddress!, steps: steps)
        }) { XCTAssertTrue("\($0)".contains("Invalid terms[0]"), "\($0)") }
        XCTAssertEqual(x, [0, 0, 0, 0])
    }

    func testCallbackStopsTheRun() throws {
        let shape = [10, 10]
        let y = noisy(100, seed: 5)
        let grad = try GradientOperator(shape: shape, type: .float32)
        let l21 = try ScaledFunctional(GroupL21Norm(shape: grad.outputShape, type: .float32, axis: 0), scale: 0.1)
        let data = try TranslatedFunctional(SquaredL2Norm(shape: shape, type: .float32), offset: y)
        let objective = try CompositeObjective(terms: [ObjectiveTerm(l21, grad)], g: data, shape: shape, type: .float32)
        var seen: [Int] = []
        var options = SolverOptions()
        options.tolerance = 0
        options.checkInterval = 5
        var x = [Float](repeating: 0, count: 100)
        let info = try x.withUnsafeMutableBytes { buffer in
            try PrimalDual.solve(objective, x: buffer.baseAddress!, options: options) { progress in
                seen.append(progress.iteration)
                return progress.iteration < 20
            }
        }
        XCTAssertEqual(seen, [5, 10, 15, 20])
        XCTAssertEqual(info.stopReason, .callback)
        XCTAssertEqual(info.iterations, 20)
        XCTAssertTrue(x.contains { $0 != 0 })
        struct Failure: Error {}
        XCTAssertThrowsError(try x.withUnsafeMutableBytes { buffer in
            try PrimalDual.solve(objective, x: buffer.baseAddress!, options: options) { _ in throw Failure() }
        })
    }

    func testBadSettings() throws {
        let shape = [6, 6]
        let grad = try GradientOperator(shape: shape, type: .float64)
        let l21 = try GroupL21Norm(shape: grad.outputShape, type: .float64, axis: 0)
        let data = try TranslatedFunctional(SquaredL2Norm(shape: shape, type: .float64), offset: [Double](repeating: 1, count: 36))
        let objective = try CompositeObjective(terms: [ObjectiveTerm(l21, grad)], g: data, shape: shape, type: .float64)
        var x = [Double](repeating: 0, count: 36)
        var steps = PrimalDual.Steps()
        steps.primal = 1
        steps.dual = 1 // tau sigma ||grad||^2 = 8 > 1
        XCTAssertThrowsError(try x.withUnsafeMutableBytes { try PrimalDual.solve(objective, x: $0.baseAddress!, steps: steps) }) {
            XCTAssertTrue("\($0)".contains("below 1 / ||K||^2"), "\($0)")
        }
        XCTAssertThrowsError(try CompositeObjective(terms: [ObjectiveTerm(l21, nil)], g: nil, shape: shape, type: .float64))
        // l1 has no gradient: FISTA refuses it as a smooth term.
        let l1 = try L1Norm(shape: shape, type: .float64)
        let lasso = try CompositeObjective(terms: [ObjectiveTerm(l1)], g: nil, shape: shape, type: .float64)
        XCTAssertThrowsError(try x.withUnsafeMutableBytes { try ProximalGradient.solve(lasso, x: $0.baseAddress!) })
        XCTAssertThrowsError(try x.withUnsafeMutableBytes { try ConjugateGradient.solve(lasso, x: $0.baseAddress!) })
    }
}
