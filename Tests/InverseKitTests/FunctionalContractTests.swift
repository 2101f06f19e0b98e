import InverseKit
import XCTest

/// Every case of the shared functional list passes its contracts through the Swift API; the
/// capabilities each kind promises are all exercised.
final class FunctionalContractTests: XCTestCase {
    func testSharedCases() throws {
        let cases = try FunctionalCase.load()
        XCTAssertGreaterThan(cases.count, 30)
        for item in cases {
            let f = try item.make()
            for seed: UInt64 in 0..<4 {
                let report = try f.check(seed: seed)
                let tol = item.tolerance(gradient: false)
                let caps = f.capabilities
                if caps.contains(.prox) && caps.contains(.proxConjugate) {
                    XCTAssertLessThanOrEqual(try XCTUnwrap(report.moreau), tol, "moreau, \(item)")
                }
                if caps.contains(.prox) {
                    XCTAssertLessThanOrEqual(try XCTUnwrap(report.proxOptimality), tol, "prox optimality, \(item)")
                }
                if caps.contains(.conjugateValue) {
                    XCTAssertLessThanOrEqual(try XCTUnwrap(report.fenchelYoung), tol, "Fenchel-Young, \(item)")
                }
                if caps.contains(.gradient) {
                    XCTAssertLessThanOrEqual(try XCTUnwrap(report.gradient), item.tolerance(gradient: true),
                                             "gradient, \(item)")
                }
            }
        }
    }

    /// The conjugate prox with one step per element (for preconditioned primal-dual steps) is, at
    /// each element, the scalar conjugate prox with that element's step: the functionals that offer
    /// it are separable. Every case of the shared list that has it, in both precisions.
    func testPerElementConjugateProxMatchesTheScalarOne() throws {
        var seen = 0
        for item in try FunctionalCase.load() {
            let f = try item.make()
            guard f.hasDiagonalConjugateProx else { continue }
            seen += 1
            let n = f.realCount, components = f.type.components
            let v = (0..<n).map { 1.7 * sin(0.8 * Double($0) + 0.3) }
            let steps = (0..<n).map { 0.2 + 0.3 * Double(($0 / components) % 4) }
            func run<T: BinaryFloatingPoint>(_: T.Type) throws {
                let vt = v.map { T($0) }, st = steps.map { T($0) }
                var diagonal = [T](repeating: 0, count: n)
                try vt.withUnsafeBytes { vb in try st.withUnsafeBytes { sb in try diagonal.withUnsafeMutableBytes { db in
                    try f.proxConjugate(vb.baseAddress!, steps: sb.baseAddress!, stepScale: 1.5, into: db.baseAddress!)
                } } }
                for step in Set(steps) {
                    var scalar = [T](repeating: 0, count: n)
                    try vt.withUnsafeBytes { vb in try scalar.withUnsafeMutableBytes { db in
                        try f.proxConjugate(vb.baseAddress!, step: 1.5 * step, into: db.baseAddress!)
                    } }
                    let tol = item.isSingle ? 1e-5 : 1e-13
                    for k in 0..<n where steps[k] == step {
                        XCTAssertEqual(Double(diagonal[k]), Double(scalar[k]), accuracy: tol * (1 + abs(Double(scalar[k]))),
                                       "\(item) element \(k)")
                    }
                }
            }
            if item.isSingle { try run(Float.self) } else { try run(Double.self) }
        }
        XCTAssertGreaterThanOrEqual(seen, 10)
    }

    /// The checks are not vacuous: a functional whose prox is wrong by a little fails them.
    func testChecksCatchAWrongProx() throws {
        let f = try ScaledFunctional(L1Norm(shape: [6, 5], type: .float64), scale: 1)
        let wrong = OffByAFactor(f)
        let report = try wrong.check(seed: 1)
        XCTAssertGreaterThan(try XCTUnwrap(report.moreau), 1e-4)
        XCTAssertGreaterThan(try XCTUnwrap(report.proxOptimality), 1e-4)
    }

    func testClosedFormsAgainstDirectFormulas() throws {
        // Soft thresholding of a complex value keeps its phase.
        let l1 = try L1Norm(shape: [1], type: .complex128)
        let p = try l1.prox([3.0, 4.0], step: 1)
        XCTAssertEqual(p[0], 3 * 0.8, accuracy: 1e-15)
        XCTAssertEqual(p[1], 4 * 0.8, accuracy: 1e-15)
        // KL prox: w solves w^2 - (v + b - tau) w - tau y = 0.
        let kl = try KullbackLeibler(counts: [2], background: [0.5], shape: [1], type: .float64)
        let x = try kl.prox([0.3], step: 0.7)[0], w = x + 0.5
        XCTAssertEqual(w * w - (0.3 + 0.5 - 0.7) * w - 0.7 * 2, 0, accuracy: 1e-14)
        // Least squares with a closed-form solve agrees with conjugate gradients.
        let blur = try ConvolutionOperator(shape: [6, 5], kernel: [0, 1, 0, 1, 4, 1, 0, 1, 0].map { $0 / 8 },
                                           kernelShape: [3, 3], boundary: .periodic, precision: .double)
        let data = FunctionalCase.centre(30)
        let closed = try LeastSquares(operator: blur, data: data)
        XCTAssertTrue(closed.hasClosedFormProx)
        let iterative = try LeastSquares(operator: blur, data: data, weights: [Double](repeating: 1, count: 30))
        XCTAssertFalse(iterative.hasClosedFormProx)
        let v = FunctionalCase.weights(30)
        let a = try closed.prox(v, step: 0.4), b = try iterative.prox(v, step: 0.4)
        for i in 0..<30 { XCTAssertEqual(a[i], b[i], accuracy: 1e-9) }
    }

    func testBadInput() throws {
        XCTAssertThrowsError(try ScaledFunctional(L1Norm(shape: [3], type: .float64), scale: -1))
        XCTAssertThrowsError(try ScaledFunctional(L1Norm(shape: [3], type: .float64), scale: .nan))
        XCTAssertThrowsError(try L2BallIndicator(centre: [0, 0], shape: [2], type: .float64, radius: -0.1))
        XCTAssertThrowsError(try KullbackLeibler(counts: [1, -1], shape: [2], type: .float64))
        XCTAssertThrowsError(try KullbackLeibler(counts: [1, 1], background: [0, -0.5], shape: [2], type: .float64))
        XCTAssertThrowsError(try BoxIndicator(shape: [2], type: .float64, lower: 1, upper: 0))
        XCTAssertThrowsError(try BoxIndicator(shape: [2], type: .float32, lower: 0.85, upper: 0.85))
        XCTAssertThrowsError(try BoxIndicator(shape: [2], type: .complex128, lower: 0, upper: 1))
        XCTAssertThrowsError(try GroupL21Norm(shape: [3, 4], type: .float64, axis: 2))
        let l1 = try L1Norm(shape: [3], type: .float64)
        XCTAssertThrowsError(try l1.gradient([1.0, 2, 3])) { error in
            XCTAssertTrue("\(error)".contains("no gradient"), "\(error)")
        }
        XCTAssertThrowsError(try l1.prox([1.0, 2, 3], step: 0))
        XCTAssertThrowsError(try l1.prox([1.0, 2], step: 1))
        let grad = try GradientOperator(shape: [4, 4], type: .float64)
        XCTAssertThrowsError(try ComposedFunctional(SquaredL2Norm(shape: [4, 4], type: .float64), operator: grad))
        XCTAssertThrowsError(try SeparableSum([]))
        XCTAssertThrowsError(try SeparableSum([l1, SquaredL2Norm(shape: [3], type: .float32)]))
    }

    /// A stateful functional refuses a second concurrent call instead of racing.
    func testStatefulFunctionalRefusesConcurrentUse() throws {
        let tv = try TVFunctional(shape: [64, 64], type: .float64)
        let inner = InsideProx(tv)
        XCTAssertThrowsError(try inner.prox([Double](repeating: 0.5, count: 64 * 64), step: 0.1)) { error in
            XCTAssertTrue("\(error)".contains("in use"), "\(error)")
        }
    }
}

/// prox scaled by 1.01: a subtly wrong implementation the checks must reject.
private final class OffByAFactor: Functional {
    let base: Functional
    init(_ base: Functional) { self.base = base; try! super.init(shape: base.shape, type: base.type) }
    override var capabilities: FunctionalCapabilities { base.capabilities }
    override func evaluate(_ x: UnsafeRawPointer) throws -> Double { try base.value(x) }
    override func evaluateConjugate(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        c == 1 ? try base.conjugateValue(s) : .nan
    }
    override func computeProx(_ v: UnsafeRawPointer, step tau: Double, into x: UnsafeMutableRawPointer) throws {
        try base.prox(v, step: tau, into: x)
        let p = x.assumingMemoryBound(to: Double.self)
        for i in 0..<realCount { p[i] *= 1.01 }
    }
    override func computeProxConjugate(_ v: UnsafeRawPointer, step sigma: Double, into s: UnsafeMutableRawPointer) throws {
        try base.proxConjugate(v, step: sigma, into: s)
    }
}

/// Calls the stateful functional from inside one of its own calls, as a second thread would.
private final class InsideProx: Functional {
    let base: TVFunctional
    init(_ base: TVFunctional) {
        self.base = base
        try! super.init(shape: base.shape, type: base.type)
    }
    override var capabilities: FunctionalCapabilities { [.value, .prox] }
    override func computeProx(_ v: UnsafeRawPointer, step tau: Double, into x: UnsafeMutableRawPointer) throws {
        try base.exclusive { try base.prox(v, step: tau, into: x) }
    }
}
