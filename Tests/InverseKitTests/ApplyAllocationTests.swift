@testable import InverseKit
import XCTest

/// Applying an operator or a prox after creation allocates no work buffer and starts no thread:
/// every size-dependent buffer is made at creation and worker threads come from the pool.
final class ApplyAllocationTests: XCTestCase {
    /// Runs `body` and returns how many work buffers it allocated and threads it started.
    private func counts(_ body: () throws -> Void) rethrows -> (buffers: Int, threads: Int) {
        let buffers = workBuffersAllocated.load(ordering: .relaxed), threads = threadsStarted.load(ordering: .relaxed)
        try body()
        return (workBuffersAllocated.load(ordering: .relaxed) - buffers, threadsStarted.load(ordering: .relaxed) - threads)
    }

    /// Raw buffers an operator maps between, outside the counted allocations.
    private func buffers(_ op: LinearOperator) -> (UnsafeMutableRawPointer, UnsafeMutableRawPointer) {
        let x = UnsafeMutableRawPointer.allocate(byteCount: max(op.inputBytes, 1), alignment: 64)
        let y = UnsafeMutableRawPointer.allocate(byteCount: max(op.outputBytes, 1), alignment: 64)
        x.initializeMemory(as: UInt8.self, repeating: 0, count: op.inputBytes)
        y.initializeMemory(as: UInt8.self, repeating: 0, count: op.outputBytes)
        return (x, y)
    }

    func testOperatorsApplyWithoutAllocating() throws {
        // The counters see what creation allocates and starts.
        let made = try counts {
            let g = try GradientOperator(shape: [300, 300], type: .float64)
            _ = try NormalOperator(g)
        }
        XCTAssertGreaterThan(made.buffers, 0)
        for precision in [ScalarType.Precision.double, .single] {
            var ops = try LinearOperatorTests.operators(precision)
            // Large enough for the projector to split its angles between threads.
            let geometry = try ParallelBeamGeometry(rows: 96, columns: 96, angles: (0..<60).map { Double($0) * .pi / 60 })
            let radon = try RadonOperator(geometry: geometry, precision: precision, threads: 2)
            ops.append(radon)
            ops.append(try ProductOperator(try AdjointOperator(radon), radon))
            for op in ops {
                let (x, y) = buffers(op)
                defer { x.deallocate(); y.deallocate() }
                (x.assumingMemoryBound(to: UInt8.self)).initialize(repeating: 1, count: op.inputBytes)
                let used = try counts {
                    for _ in 0..<2 {
                        try op.apply(UnsafeRawPointer(x), into: y)
                        try op.applyAdjoint(UnsafeRawPointer(y), into: x)
                        if op.hasNormalSolve { try op.solveNormal(rho: 0.5, UnsafeRawPointer(x), into: x) }
                    }
                }
                XCTAssertEqual(used.buffers, 0, "\(op) allocated while applying")
                XCTAssertEqual(used.threads, 0, "\(op) started threads while applying")
            }
        }
    }

    func testTVProxAppliesWithoutAllocating() throws {
        for shape in [[200, 190], [12, 30, 28]] {
            for tolerance in [1e-4, 0] {
                var options = TVOptions()
                options.tolerance = tolerance
                options.maxIterations = tolerance > 0 ? 500 : 30
                options.threads = 2
                let count = shape.reduce(1, *)
                var rng = TestRandom(seed: 3)
                let y = rng.uniforms(count)
                var x = [Double](repeating: 0, count: count)
                let prox = try TVProx<Double>(shape: shape, options: options)
                let f = try TVFunctional(shape: shape, type: .float64, options: options)
                let used = try counts {
                    try y.withUnsafeBufferPointer { yp in try x.withUnsafeMutableBufferPointer { xp in
                        for lambda in [0.1, 0.12, 0.12] { _ = try prox.apply(yp, lambda: lambda, output: xp) }
                        _ = try prox.value(yp)
                        for tau in [0.1, 0.2] {
                            try f.prox(UnsafeRawPointer(yp.baseAddress!), step: tau, into: UnsafeMutableRawPointer(xp.baseAddress!))
                        }
                        _ = try f.value(UnsafeRawPointer(xp.baseAddress!))
                    } }
                }
                XCTAssertEqual(used.buffers, 0, "TV prox \(shape) tolerance \(tolerance) allocated while applying")
                XCTAssertEqual(used.threads, 0, "TV prox \(shape) tolerance \(tolerance) started threads")
            }
        }
    }

    func testConcurrentAppliesStayCorrect() throws {
        // Two threads applying one operator: one borrows the workspace, the other gets its own.
        let op = try ConvolutionOperator(shape: [40, 33], kernel: (0..<15).map { Double($0) / 15 }, kernelShape: [5, 3],
                                         boundary: .same, precision: .double)
        var rng = TestRandom(seed: 8)
        let inputs = (0..<8).map { _ in rng.uniforms(op.inputCount) }
        let expected = try inputs.map { try op.apply($0) }
        var results = [[Double]](repeating: [], count: inputs.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: inputs.count) { i in
            for _ in 0..<20 {
                let out = (try? op.apply(inputs[i])) ?? []
                lock.lock(); results[i] = out; lock.unlock()
            }
        }
        XCTAssertEqual(results, expected)
    }
}
