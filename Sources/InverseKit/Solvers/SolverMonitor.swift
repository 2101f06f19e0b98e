/// The bookkeeping every iterative solver shares at its check points: evaluate P at the iterate and
/// D at the dual points, keep the best of each (any primal may be paired with any dual point), keep
/// a copy of the best iterate, detect NaN, run the callback, and decide whether to stop.
final class SolverMonitor {
    let objective: CompositeObjective
    let options: SolverOptions
    let callback: SolverCallback?
    private let best: AlignedBuffer<UInt8>
    private let started = monotonicSeconds()
    private(set) var info = SolverInfo()
    private var hasBest = false

    init(objective: CompositeObjective, options: SolverOptions, callback: SolverCallback?) throws {
        try options.validate()
        self.objective = objective
        self.options = options
        self.callback = callback
        best = try AlignedBuffer(count: objective.bytes)
    }

    var bestIterate: UnsafeRawPointer { UnsafeRawPointer(best.pointer) }
    var elapsed: Double { monotonicSeconds() - started }

    /// A check at `iteration` (iterations done so far). `duals` are sets of dual points (one
    /// pointer per term each), of which the best bound is kept; built once by the caller, so that a
    /// check allocates nothing;
    /// `change` is ||x_k - x_{k-1}|| / ||x_k|| (nil when unknown). Returns the reason to stop, or nil.
    /// `dualValue`, for solvers with their own certificate, maps P(x) to a lower bound on min P.
    func check(iteration: Int, x: UnsafeRawPointer, duals: [[UnsafeRawPointer]], change: Double?,
               dualValue: ((Double) -> Double)? = nil) throws -> StopReason? {
        let entered = monotonicSeconds()
        defer { info.checkSeconds += monotonicSeconds() - entered }
        let n = objective.realCount
        guard Reals.allFinite(objective.precision, x, n) else {
            throw InverseKitError(.notFinite, "The iterate is not finite at iteration \(iteration): the solve diverged (are the step sizes within their bound?)")
        }
        info.iterations = iteration
        let p = try objective.primal(x)
        if !hasBest || p <= info.primal {
            // The best iterate so far is the one returned.
            UnsafeMutableRawPointer(best.pointer).copyMemory(from: x, byteCount: objective.bytes)
            info.primal = p
            hasBest = true
        }
        for candidate in duals {
            let d = try objective.dual(candidate)
            if d > info.dual { info.dual = d }
        }
        if let dualValue, p.isFinite {
            let d = dualValue(p)
            if d > info.dual { info.dual = d }
        }
        (info.gap, info.relativeGap) = objective.certificate(primal: info.primal, dual: info.dual)
        info.seconds = elapsed
        if let callback {
            let progress = SolverProgress(iteration: iteration, primal: p, dual: info.dual, gap: info.gap,
                                          relativeGap: info.relativeGap, seconds: info.seconds, x: x)
            if try !callback(progress) { return .callback }
        }
        if options.tolerance > 0 && info.relativeGap <= options.tolerance { return .converged }
        if !info.gap.isFinite, options.changeTolerance > 0, let change, change <= options.changeTolerance {
            return .relativeChange
        }
        return nil
    }

    /// Seconds the iterations spent in operator applications and prox calls (the solvers that
    /// measure it add to this).
    var callSeconds: Double {
        get { info.callSeconds }
        set { info.callSeconds = newValue }
    }

    func finish(_ reason: StopReason, iterations: Int) -> SolverInfo {
        info.stopReason = reason
        info.iterations = iterations
        info.seconds = elapsed
        return info
    }
}

/// Fallible work vectors of one size, carved from one allocation.
struct WorkVectors {
    private let storage: AlignedBuffer<UInt8>
    let bytes: Int

    init(count: Int, bytes: Int) throws {
        // Each vector starts on a 64-byte boundary.
        let stride = (bytes + 63) / 64 * 64
        storage = try AlignedBuffer(count: max(count * stride, 1))
        self.bytes = stride
        UnsafeMutableRawPointer(storage.pointer).initializeMemory(as: UInt8.self, repeating: 0, count: max(count * stride, 1))
    }

    subscript(_ i: Int) -> UnsafeMutableRawPointer { UnsafeMutableRawPointer(storage.pointer) + i * bytes }
}
