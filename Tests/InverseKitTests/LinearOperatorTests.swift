import InverseKit
import XCTest

/// The operator contracts through the Swift API, from the shared case list Tests/cases/operators.txt
/// (the same cases the C and Python suites run): the adjoint test, linearity, the normal operator,
/// the norm bound and the closed-form normal solve; and checks of particular operators.
final class LinearOperatorTests: XCTestCase {
    /// Every case's operator, its precision changed to `precision` (pairs line up by index).
    static func operators(_ precision: ScalarType.Precision) throws -> [LinearOperator] {
        try OperatorCase.load(precision: precision).map { try $0.make() }
    }

    /// Re <a, b> over interleaved reals, in double.
    private func inner(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
    private func norm(_ a: [Double]) -> Double { inner(a, a).squareRoot() }

    func testSharedCases() throws {
        let cases = try OperatorCase.load()
        XCTAssertGreaterThan(cases.count, 30)
        for c in cases {
            switch c.type.precision {
            case .double: try check(c, Double.self)
            case .single: try check(c, Float.self)
            }
        }
    }

    private func check<T: BinaryFloatingPoint>(_ c: OperatorCase, _: T.Type) throws {
        let op = try c.make(), tol = c.tolerance
        let inReals = op.inputCount * op.inputType.components, outReals = op.outputCount * op.outputType.components
        let x = OperatorCase.inputVector(inReals).map { T($0) }
        let z = OperatorCase.inputVector(inReals, second: true).map { T($0) }
        let y = OperatorCase.inputVector(outReals, second: true).map { T($0) }
        let ax = try op.apply(x).map(Double.init), ahy = try op.applyAdjoint(y).map(Double.init)
        let xd = x.map(Double.init), yd = y.map(Double.init)
        // The adjoint contract computed here, and the library's own test.
        let mismatch = abs(inner(ax, yd) - inner(xd, ahy))
        XCTAssertLessThanOrEqual(mismatch, tol * max(norm(ax) * norm(yd), norm(xd) * norm(ahy)), "\(c)")
        XCTAssertLessThanOrEqual(try op.adjointMismatch(seed: 7), tol, "\(c)")
        // Linearity.
        let combined = zip(x, z).map { 2 * $0 - 0.5 * $1 }
        let az = try op.apply(z).map(Double.init)
        let expected = zip(ax, az).map { 2 * $0 - 0.5 * $1 }
        let difference = zip(try op.apply(combined).map(Double.init), expected).map { $0 - $1 }
        XCTAssertLessThanOrEqual(norm(difference), tol * (norm(expected) + norm(ax)), "\(c)")
        // The normal operator.
        let normal = try NormalOperator(op).apply(x).map(Double.init)
        let twice = try op.applyAdjoint(try op.apply(x)).map(Double.init)
        XCTAssertLessThanOrEqual(norm(zip(normal, twice).map { $0 - $1 }), tol * norm(normal), "\(c)")
        // The cached norm bound is an upper bound.
        let bound = try op.normUpperBound()
        XCTAssertTrue(bound.isFinite, "\(c)")
        XCTAssertGreaterThanOrEqual(bound * (1 + tol), norm(ax) / norm(xd), "\(c)")
        XCTAssertGreaterThanOrEqual(bound, try op.operatorNorm() * (1 - 1e-5), "\(c)")
        if op.hasNormalSolve {
            XCTAssertLessThanOrEqual(try op.normalSolveMismatch(rho: 0.3), 10 * tol, "\(c)")
        }
        try checkAbsoluteSums(op, c)
    }

    /// The row and column sums of |A| that preconditioning uses bound those of the dense matrix
    /// (from A applied to each unit vector; small cases only).
    private func checkAbsoluteSums(_ op: LinearOperator, _ c: OperatorCase) throws {
        guard op.inputCount <= 800, let sums = try op.absoluteSumBuffers() else { return }
        let complexIn = op.inputType.isComplex, complexOut = op.outputType.isComplex
        var rows = [Double](repeating: 0, count: op.outputCount), columns = [Double](repeating: 0, count: op.inputCount)
        for j in 0..<op.inputCount {
            func column<T: BinaryFloatingPoint>(_: T.Type) throws -> [Double] {
                var e = [T](repeating: 0, count: op.inputCount * (complexIn ? 2 : 1))
                e[complexIn ? 2 * j : j] = 1
                return try op.apply(e).map(Double.init)
            }
            let a = op.precision == .single ? try column(Float.self) : try column(Double.self)
            for i in 0..<op.outputCount {
                let modulus = complexOut ? (a[2 * i] * a[2 * i] + a[2 * i + 1] * a[2 * i + 1]).squareRoot() : abs(a[i])
                rows[i] += modulus
                columns[j] += modulus
            }
        }
        let slack = op.precision == .single ? 1e-5 : 1e-12
        for i in 0..<op.outputCount where !(sums.rows.pointer[i] >= rows[i] * (1 - slack) - slack) {
            XCTFail("\(c): row \(i) sum \(rows[i]) above the bound \(sums.rows.pointer[i])")
            return
        }
        for j in 0..<op.inputCount where !(sums.columns.pointer[j] >= columns[j] * (1 - slack) - slack) {
            XCTFail("\(c): column \(j) sum \(columns[j]) above the bound \(sums.columns.pointer[j])")
            return
        }
    }

    func testAdjointTestDetectsAWrongAdjoint() throws {
        let wrong = try CallbackOperator(inputShape: [4], outputShape: [4], inputType: .float64, outputType: .float64,
            forward: { x, y in
                let a = x.assumingMemoryBound(to: Double.self), b = y.assumingMemoryBound(to: Double.self)
                for i in 0..<4 { b[i] = a[(i + 1) % 4] }
            },
            adjoint: { y, x in
                let a = y.assumingMemoryBound(to: Double.self), b = x.assumingMemoryBound(to: Double.self)
                for i in 0..<4 { b[i] = a[(i + 1) % 4] } // should be the inverse shift
            })
        XCTAssertGreaterThan(try wrong.adjointMismatch(seed: 3), 1e-3)
    }

    func testNormsOfKnownOperators() throws {
        XCTAssertEqual(try ScalingOperator(shape: [3, 3], type: .float64, scale: -4).operatorNorm(), 4, accuracy: 1e-12)
        let full = try FourierOperator(shape: [8, 6], mask: nil, coilMaps: nil, coils: 1, centered: false, precision: .double)
        XCTAssertEqual(try full.operatorNorm(tolerance: 1e-12), 1, accuracy: 1e-9)
        // The 1-D gradient on n points: largest singular value 2 cos(pi / (2 n)).
        let n = 9
        let exact = 2 * cos(Double.pi / Double(2 * n))
        XCTAssertEqual(try GradientOperator(shape: [n], type: .float64).operatorNorm(tolerance: 1e-14, maxIterations: 100_000),
                       exact, accuracy: 1e-6)
    }

    func testClosedFormSolvesSatisfyTheNormalEquations() throws {
        var rng = TestRandom(seed: 13)
        let rho = 0.3
        for op in try Self.operators(.double) where op.hasNormalSolve {
            let b = rng.uniforms(op.inputCount * op.inputType.components)
            var x = [Double](repeating: 0, count: b.count)
            try b.withUnsafeBytes { bp in try x.withUnsafeMutableBytes { xp in
                try op.solveNormal(rho: rho, bp.baseAddress!, into: xp.baseAddress!)
            } }
            let residual = zip(try NormalOperator(op).apply(x), zip(x, b)).map { $0 + rho * $1.0 - $1.1 }
            XCTAssertLessThan(residual.map(abs).max() ?? 0, 1e-10, "\(op)")
        }
    }

    func testFailingCallbackPropagates() throws {
        struct Broken: Error {}
        let op = try CallbackOperator(inputShape: [2], outputShape: [2], inputType: .float64, outputType: .float64,
                                      forward: { _, _ in throw Broken() }, adjoint: { _, _ in })
        XCTAssertThrowsError(try op.apply([1.0, 2.0])) { XCTAssertTrue($0 is Broken) }
        XCTAssertTrue(op.canFailMidway)
        XCTAssertTrue(try StackOperator([op, op]).canFailMidway)
    }

    func testBadConstruction() throws {
        XCTAssertThrowsError(try IdentityOperator(shape: [0, 2], type: .float64))
        XCTAssertThrowsError(try GradientOperator(shape: [2, 2, 2, 2], type: .float64))
        XCTAssertThrowsError(try ProductOperator(try IdentityOperator(shape: [2], type: .float64),
                                                 try IdentityOperator(shape: [3], type: .float64)))
        XCTAssertThrowsError(try DiagonalOperator(shape: [2], mask: [0, 0], dataType: .float64))
        XCTAssertThrowsError(try ConvolutionOperator(shape: [3, 3], kernel: [1, .nan, 1, 1], kernelShape: [2, 2],
                                                     boundary: .same, precision: .double))
        XCTAssertThrowsError(try ParallelBeamGeometry(rows: 4, columns: 4, angles: []))
        XCTAssertThrowsError(try SparseCSROperator(rows: 2, columns: 2, indptr: [0, 1, 1], indices: [5], values: [1],
                                                   type: .float64))
    }
}
