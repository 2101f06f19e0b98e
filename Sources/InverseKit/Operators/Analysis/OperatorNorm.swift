import COpenBLAS

/// ||A||_2 by the Lanczos method on A^H A.
///
/// Power iteration stalls when the two largest singular values are close (the gradient's are
/// within 0.2% of each other on small grids), and a stop on "the estimate changed little" then
/// returns a value on the plateau near the second one. Lanczos converges at the square root of
/// that rate and comes with a computable residual: the largest Ritz value theta of the tridiagonal
/// T_k has an eigenvalue of A^H A within beta_{k+1} |s_k| of it (s the Ritz vector in T's basis), so
/// the stop beta_{k+1} |s_k| <= tolerance * theta bounds the error instead of guessing it.
///
/// The Ritz value never exceeds the largest eigenvalue, so the estimate is a lower bound of
/// ||A||_2 (up to rounding); it is within `tolerance` of it (relative) unless the random start is
/// almost orthogonal to the top singular vector, which a seeded random start (uniform entries in
/// [-1, 1)) makes vanishingly unlikely. Callers that need an upper bound (step sizes) add a margin.
extension LinearOperator {
    /// Most Lanczos steps between restarts; a restart regenerates the basis from the same start to
    /// form the Ritz vector, so no basis is stored.
    static var lanczosSteps: Int { 512 }

    public func operatorNorm(seed: UInt64 = 0, tolerance: Double = 1e-6, maxIterations: Int = 1000) throws -> Double {
        guard tolerance.isFinite, tolerance >= 0 else {
            throw InverseKitError(.invalidArgument, "Invalid tolerance: expected a finite value >= 0, got \(tolerance)")
        }
        guard maxIterations >= 1 else {
            throw InverseKitError(.invalidArgument, "Invalid max_iterations: expected >= 1, got \(maxIterations)")
        }
        let reals = inputCount * inputType.components
        // The Krylov dimension cannot usefully exceed the number of reals.
        let steps = Swift.min(Self.lanczosSteps, maxIterations, Swift.max(reals, 1))
        let tridiagonal = try LanczosTridiagonal(capacity: steps)
        return try withScratch(bytes: inputBytes * 5 + outputBytes) { base in
            let start = base, ritz = base + inputBytes
            let vectors = (ritz + inputBytes, ritz + 2 * inputBytes, ritz + 3 * inputBytes)
            let image = ritz + 4 * inputBytes
            var rng = SplitMix64(seed: seed)
            RealView.fillRandom(start, reals: reals, precision: precision, &rng)
            var remaining = maxIterations
            var estimate = 0.0
            while remaining > 0 {
                let run = try lanczos(start: start, steps: Swift.min(steps, remaining), tolerance: tolerance,
                                      tridiagonal: tridiagonal, vectors: vectors, image: image, ritz: nil)
                remaining -= run.steps
                estimate = Swift.max(estimate, run.theta)
                if run.converged || remaining <= 0 { break }
                // Restart from the Ritz vector: replay the same recurrence, summing s_j v_j.
                _ = try lanczos(start: start, steps: run.steps, tolerance: 0, tridiagonal: tridiagonal,
                                vectors: vectors, image: image, ritz: ritz)
                start.copyMemory(from: ritz, byteCount: inputBytes)
            }
            return estimate.squareRoot()
        }
    }

    /// Up to `steps` Lanczos steps on A^H A from `start` (normalised here; not modified). Without
    /// `ritz`, stops when the residual bound meets `tolerance` and returns the largest Ritz value;
    /// with it, replays exactly `steps` steps and writes sum_j s_j v_j into `ritz`, s being the Ritz
    /// vector that the tridiagonal holds from the run being replayed. `vectors` are three scratch
    /// vectors (input-shaped), `image` an output-shaped one.
    private func lanczos(start: UnsafeMutableRawPointer, steps: Int, tolerance: Double, tridiagonal: LanczosTridiagonal,
                         vectors: (UnsafeMutableRawPointer, UnsafeMutableRawPointer, UnsafeMutableRawPointer),
                         image: UnsafeMutableRawPointer, ritz: UnsafeMutableRawPointer?) throws
        -> (theta: Double, steps: Int, converged: Bool) {
        let reals = inputCount * inputType.components
        var (previous, current, next) = vectors
        let length = RealView.norm(start, count: inputCount, type: inputType)
        guard length > 0, length.isFinite else { return (0, 0, true) }
        current.copyMemory(from: start, byteCount: inputBytes)
        RealView.scale(current, reals: reals, precision: precision, by: 1 / length)
        if let ritz { ritz.initializeMemory(as: UInt8.self, repeating: 0, count: inputBytes) }
        var beta = 0.0, theta = 0.0
        for k in 0..<steps {
            if let ritz { RealView.axpy(tridiagonal.vector[k], current, ritz, reals: reals, precision: precision) }
            // w = A^H A v_k - alpha_k v_k - beta_k v_{k-1}
            try apply(current, into: image)
            try applyAdjoint(image, into: next)
            let alpha = RealView.inner(current, next, count: inputCount, type: inputType).0
            RealView.axpy(-alpha, current, next, reals: reals, precision: precision)
            if k > 0 { RealView.axpy(-beta, previous, next, reals: reals, precision: precision) }
            let norm = RealView.norm(next, count: inputCount, type: inputType)
            guard alpha.isFinite, norm.isFinite else {
                throw InverseKitError(.notFinite, "The operator produced a non-finite value during the norm estimate")
            }
            tridiagonal.diagonal[k] = alpha
            if k > 0 { tridiagonal.offDiagonal[k - 1] = beta }
            if ritz == nil {
                let (value, last) = tridiagonal.largestEigenpair(size: k + 1)
                theta = value
                // An invariant subspace (norm at rounding level) makes theta exact.
                if norm * abs(last) <= tolerance * theta || norm <= 4 * Double.ulpOfOne * theta || norm == 0 {
                    return (theta, k + 1, true)
                }
            } else if norm == 0 {
                return (theta, k + 1, true)
            }
            RealView.scale(next, reals: reals, precision: precision, by: 1 / norm)
            (previous, current, next) = (current, next, previous)
            beta = norm
        }
        return (theta, steps, false)
    }
}

/// The tridiagonal matrix of a Lanczos run and LAPACK's work space for its largest eigenpair,
/// allocated once (fallibly) for `capacity` steps.
final class LanczosTridiagonal {
    let capacity: Int
    private let storage: AlignedBuffer<Double>
    private let integers: AlignedBuffer<Int32>
    var diagonal: UnsafeMutablePointer<Double> { storage.pointer }
    var offDiagonal: UnsafeMutablePointer<Double> { storage.pointer + capacity }
    /// The Ritz vector in T's basis (after `largestEigenpair`).
    var vector: UnsafeMutablePointer<Double> { storage.pointer + 2 * capacity }
    private var work: UnsafeMutablePointer<Double> { storage.pointer + 3 * capacity }

    init(capacity: Int) throws {
        self.capacity = capacity
        storage = try AlignedBuffer(repeating: 0, count: 8 * capacity + 8)
        integers = try AlignedBuffer(repeating: 0, count: 6 * capacity + 8)
    }

    /// The largest eigenvalue of the leading `size` x `size` block and the last component of its
    /// unit eigenvector (bisection, then inverse iteration).
    func largestEigenpair(size: Int) -> (value: Double, last: Double) {
        let n = Int32(size)
        var found: Int32 = 0, blocks: Int32 = 0
        var value = 0.0
        let block = integers.pointer, split = integers.pointer + capacity, iwork = integers.pointer + 2 * capacity
        let failures = integers.pointer + 5 * capacity
        var status = LAPACKE_dstebz_work(CChar(UInt8(ascii: "I")), CChar(UInt8(ascii: "B")), n, 0, 0, n, n, 0,
                                         diagonal, offDiagonal, &found, &blocks, &value, block, split, work, iwork)
        guard status == 0, found == 1 else { return (diagonal[size - 1], 1) }
        status = LAPACKE_dstein_work(LAPACK_COL_MAJOR, n, diagonal, offDiagonal, 1, &value, block, split, vector, n,
                                     work, iwork, failures)
        guard status == 0 else { return (value, 1) }
        return (value, vector[size - 1])
    }
}
