import InverseKit
import XCTest

/// Arrays large enough for the kernels to split their work between threads give the results of a
/// plain loop written here.
final class ParallelKernelTests: XCTestCase {
    func testGradientAndItsAdjointOnLargeArrays() throws {
        var rng = TestRandom(seed: 21)
        for shape in [[300, 301], [20, 70, 71], [150_001]] {
            for type in [ScalarType.float64, .complex128] {
                let op = try GradientOperator(shape: shape, type: type)
                let c = type.components
                let x = rng.uniforms(op.inputCount * c)
                let g = try op.apply(x)
                // Forward differences, Neumann boundary, by a plain loop.
                var strides = [Int](repeating: c, count: shape.count)
                for a in stride(from: shape.count - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * shape[a + 1] }
                var worst = 0.0
                for axis in 0..<shape.count {
                    for flat in 0..<(op.inputCount * c) {
                        let index = (flat / strides[axis]) % shape[axis]
                        let expected = index == shape[axis] - 1 ? 0 : x[flat + strides[axis]] - x[flat]
                        worst = max(worst, abs(g[axis * op.inputCount * c + flat] - expected))
                    }
                }
                XCTAssertEqual(worst, 0, "gradient \(shape) \(type)")
                XCTAssertLessThan(try op.adjointMismatch(seed: 4), 1e-13, "gradient \(shape) \(type)")
            }
        }
    }

    func testGroupNormMapsOnLargeArrays() throws {
        var rng = TestRandom(seed: 22)
        let shape = [2, 300, 301], n = 300 * 301
        let f = try GroupL21Norm(shape: shape, type: .float64, axis: 0)
        let v = rng.uniforms(2 * n).map { 4 * $0 - 2 }
        let tau = 0.7
        let x = try f.prox(v, step: tau)
        let s = try f.proxConjugate(v, step: 1)
        var proxError = 0.0, projectionError = 0.0, value = 0.0
        for i in 0..<n {
            let a = v[i], b = v[n + i], norm = (a * a + b * b).squareRoot()
            value += norm
            let shrink = norm > 0 ? max(0, 1 - tau / norm) : 0
            proxError = max(proxError, abs(x[i] - shrink * a), abs(x[n + i] - shrink * b))
            let project = norm > 1 ? 1 / norm : 1
            projectionError = max(projectionError, abs(s[i] - project * a), abs(s[n + i] - project * b))
        }
        XCTAssertLessThan(proxError, 1e-14)
        XCTAssertLessThan(projectionError, 1e-14)
        XCTAssertEqual(try f.value(v), value, accuracy: 1e-9 * value)
    }
}
