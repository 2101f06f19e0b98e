import InverseKit
import XCTest

/// The operator contracts through the Swift API: adjoint test, linearity, normal operator, norm,
/// closed-form solves; the same contracts the C and Python suites run.
final class LinearOperatorTests: XCTestCase {
    static func operators(_ precision: ScalarType.Precision) throws -> [LinearOperator] {
        var rng = TestRandom(seed: 5)
        let real = ScalarType(precision: precision, complex: false)
        let complex = ScalarType(precision: precision, complex: true)
        var ops: [LinearOperator] = []
        for shape in [[7], [6, 5], [4, 7, 6]] {
            ops.append(try IdentityOperator(shape: shape, type: real))
            ops.append(try ScalingOperator(shape: shape, type: complex, scale: -1.5))
            ops.append(try GradientOperator(shape: shape, type: real))
            ops.append(try GradientOperator(shape: shape, type: complex))
            ops.append(try DivergenceOperator(shape: shape, type: real))
            let count = shape.reduce(1, *)
            ops.append(try DiagonalOperator(shape: shape, diagonal: rng.uniforms(2 * count), diagonalType: complex,
                                            dataType: complex))
            ops.append(try DiagonalOperator(shape: shape, mask: (0..<count).map { Double($0 % 2) }, dataType: real))
        }
        ops.append(try DenseMatrixOperator(rows: 5, columns: 3, entries: rng.uniforms(15), type: real))
        ops.append(try DenseMatrixOperator(rows: 4, columns: 6, entries: rng.uniforms(48), type: complex))
        ops.append(try SparseCSROperator(rows: 3, columns: 4, indptr: [0, 2, 2, 5], indices: [0, 3, 1, 2, 3],
                                         values: rng.uniforms(5), type: real))
        for boundary in [ConvolutionOperator.Boundary.periodic, .same, .valid] {
            ops.append(try ConvolutionOperator(shape: [11, 8], kernel: rng.uniforms(6), kernelShape: [3, 2],
                                               boundary: boundary, precision: precision))
        }
        ops.append(try SuperResolutionOperator(shape: [12, 8], kernel: rng.uniforms(9), kernelShape: [3, 3], factor: 2,
                                               precision: precision))
        ops.append(try FourierOperator(shape: [6, 7], mask: (0..<42).map { Double($0 % 3 == 0 ? 1 : 0) },
                                       coilMaps: rng.uniforms(2 * 42 * 2), coils: 2, centered: true, precision: precision))
        let geometry = try ParallelBeamGeometry(rows: 9, columns: 10, angles: (0..<12).map { Double($0) * .pi / 12 })
        ops.append(try RadonOperator(geometry: geometry, precision: precision))
        let g = try GradientOperator(shape: [5, 4], type: real)
        ops.append(try ProductOperator(try ScalingOperator(shape: g.outputShape, type: real, scale: 2), g))
        ops.append(try SumOperator([g, g]))
        ops.append(try StackOperator([g, try IdentityOperator(shape: [5, 4], type: real)]))
        ops.append(try BlockDiagonalOperator(repeating: g, count: 3))
        ops.append(try AdjointOperator(g))
        ops.append(try NormalOperator(g))
        return ops
    }

    func testAdjointTestDouble() throws {
        for op in try Self.operators(.double) {
            XCTAssertLessThan(try op.adjointMismatch(seed: 1), 1e-13, "\(op)")
        }
    }

    func testAdjointTestSingle() throws {
        for op in try Self.operators(.single) {
            XCTAssertLessThan(try op.adjointMismatch(seed: 2), 1e-5, "\(op)")
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

    func testLinearityAndNormal() throws {
        var rng = TestRandom(seed: 8)
        for op in try Self.operators(.double) {
            let reals = op.inputCount * op.inputType.components
            let x1 = rng.uniforms(reals), x2 = rng.uniforms(reals)
            let combined = zip(x1, x2).map { 2 * $0 - 0.5 * $1 }
            let lhs = try op.apply(combined)
            let rhs = zip(try op.apply(x1), try op.apply(x2)).map { 2 * $0 - 0.5 * $1 }
            for (a, b) in zip(lhs, rhs) { XCTAssertEqual(a, b, accuracy: 1e-12, "\(op)") }
            let normal = try NormalOperator(op).apply(x1)
            let twice = try op.applyAdjoint(try op.apply(x1))
            for (a, b) in zip(normal, twice) { XCTAssertEqual(a, b, accuracy: 1e-12, "\(op)") }
        }
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
