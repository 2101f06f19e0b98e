import COpenBLAS
import InverseKit
import XCTest

/// The norm estimate against the largest singular value of each operator's dense matrix (from
/// LAPACK), at the default settings.
final class OperatorNormTests: XCTestCase {
    /// ||A||_2 of the real matrix that represents A (complex data as interleaved reals, whose
    /// singular values are A's, each twice), from the eigenvalues of M^T M.
    /// Whether the dense Gram matrix is cheap enough to form (the large Radon case is not).
    static func small(_ op: LinearOperator) -> Bool { op.inputCount * op.inputType.components <= 800 }

    static func denseNorm(_ op: LinearOperator) throws -> Double {
        let n = op.inputCount * op.inputType.components, m = op.outputCount * op.outputType.components
        var columns: [[Double]] = []
        for j in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[j] = 1
            columns.append(try op.apply(e))
        }
        var gram = [Double](repeating: 0, count: n * n)
        for a in 0..<n {
            for b in a..<n {
                var s = 0.0
                for i in 0..<m { s += columns[a][i] * columns[b][i] }
                gram[a * n + b] = s
                gram[b * n + a] = s
            }
        }
        var eigenvalues = [Double](repeating: 0, count: n)
        let status = LAPACKE_dsyev(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "U")), Int32(n),
                                   &gram, Int32(n), &eigenvalues)
        XCTAssertEqual(status, 0)
        return max(eigenvalues.max() ?? 0, 0).squareRoot()
    }

    func testDefaultsMatchTheSVDDouble() throws {
        for op in try LinearOperatorTests.operators(.double) where Self.small(op) {
            let exact = try Self.denseNorm(op)
            let estimate = try op.operatorNorm()
            XCTAssertLessThanOrEqual(abs(estimate - exact) / exact, 1e-6, "\(op): \(estimate) vs \(exact)")
        }
    }

    func testDefaultsMatchTheSVDSingle() throws {
        let doubles = try LinearOperatorTests.operators(.double)
        for (op, reference) in zip(try LinearOperatorTests.operators(.single), doubles) where Self.small(reference) {
            let exact = try Self.denseNorm(reference)
            let estimate = try op.operatorNorm()
            XCTAssertLessThanOrEqual(abs(estimate - exact) / exact, 1e-6, "\(op): \(estimate) vs \(exact)")
        }
    }

    /// Close top singular values, where power iteration used to stop early and low.
    func testClosePairsOfSingularValues() throws {
        let gradient = try GradientOperator(shape: [13, 29], type: .float64)
        XCTAssertEqual(try gradient.operatorNorm(seed: 1), try Self.denseNorm(gradient), accuracy: 1e-6 * 2.81605)
        var rng = TestRandom(seed: 21)
        let diagonal = try DiagonalOperator(shape: [500], diagonal: rng.uniforms(500).map { 4 * $0 - 2 },
                                            diagonalType: .float64, dataType: .float64)
        XCTAssertEqual(try diagonal.operatorNorm(seed: 1), try Self.denseNorm(diagonal), accuracy: 2e-6)
        let blur = try SuperResolutionOperator(shape: [16, 12], kernel: rng.uniforms(25), kernelShape: [5, 5], factor: 2,
                                               precision: .double)
        let exact = try Self.denseNorm(blur)
        XCTAssertEqual(try blur.operatorNorm(seed: 1), exact, accuracy: 1e-6 * exact)
    }

    /// The estimate never exceeds the norm by more than rounding, and a tiny budget still gives a
    /// lower bound.
    func testIsALowerBound() throws {
        let gradient = try GradientOperator(shape: [20, 20], type: .float64)
        let exact = try Self.denseNorm(gradient)
        for steps in [1, 2, 5, 20] {
            XCTAssertLessThanOrEqual(try gradient.operatorNorm(maxIterations: steps), exact * (1 + 1e-12))
        }
    }
}
