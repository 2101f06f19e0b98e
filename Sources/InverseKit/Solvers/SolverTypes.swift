#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a solver stopped.
public enum StopReason: Int32, Sendable, CustomStringConvertible {
    /// The relative duality gap reached the tolerance: the answer is certified.
    case converged = 0
    /// The iteration limit was reached.
    case maxIterations = 1
    /// No certificate was available, and the relative change of the iterate fell below the
    /// tolerance (an uncertified stop).
    case relativeChange = 2
    /// The iteration callback asked to stop.
    case callback = 3

    public var description: String {
        switch self {
        case .converged: return "converged"
        case .maxIterations: return "maximum iterations"
        case .relativeChange: return "relative change"
        case .callback: return "stopped by the callback"
        }
    }
}

/// Settings common to every solver.
public struct SolverOptions: Sendable {
    /// Stop when the relative duality gap gap / D is at most this (>= 0; 0 runs maxIterations).
    public var tolerance: Double = 1e-4
    /// Where no certificate exists: stop when ||x_k - x_{k-1}|| <= changeTolerance ||x_k|| at a
    /// check (>= 0; 0 never stops on change).
    public var changeTolerance: Double = 1e-6
    public var maxIterations: Int = 1000
    /// Evaluate the objective, the certificate and the callback every this many iterations (>= 1).
    public var checkInterval: Int = 10
    /// Start from the x passed in (else from zero).
    public var warmStart: Bool = false

    public init() {}

    public func validate() throws {
        guard tolerance.isFinite, tolerance >= 0 else {
            throw InverseKitError(.invalidArgument, "Invalid tolerance: expected a finite value >= 0, got \(tolerance)")
        }
        guard changeTolerance.isFinite, changeTolerance >= 0 else {
            throw InverseKitError(.invalidArgument, "Invalid change_tolerance: expected a finite value >= 0, got \(changeTolerance)")
        }
        guard maxIterations >= 1 else {
            throw InverseKitError(.invalidArgument, "Invalid max_iterations: expected >= 1, got \(maxIterations)")
        }
        guard checkInterval >= 1 else {
            throw InverseKitError(.invalidArgument, "Invalid check_interval: expected >= 1, got \(checkInterval)")
        }
    }
}

/// What a solve did and how good its answer is.
public struct SolverInfo: Sendable, Equatable {
    public var iterations: Int = 0
    public var stopReason: StopReason = .maxIterations
    /// P(x) at the returned x.
    public var primal: Double = .infinity
    /// The best lower bound on min P found (-infinity when no dual point gave one).
    public var dual: Double = -.infinity
    /// primal - dual >= P(x) - min P (+infinity without a certificate).
    public var gap: Double = .infinity
    /// gap / dual when dual > 0, else +infinity (0 when the gap is 0).
    public var relativeGap: Double = .infinity
    /// Seconds the solve took; of them, those spent in checks (objective, certificate, callback)
    /// and, for the primal-dual method, in the iterations' operator applications and prox calls.
    /// The rest, seconds - checkSeconds - callSeconds, is the solver's own work (its vector passes).
    public var seconds: Double = 0
    public var checkSeconds: Double = 0
    public var callSeconds: Double = 0
    /// The primal and dual step sizes used (the last ones, for accelerated schedules).
    public var primalStep: Double = 0
    public var dualStep: Double = 0

    public init() {}
}

/// What an iteration callback sees at each check. `x` is the current iterate (read only, valid
/// during the call).
public struct SolverProgress {
    public let iteration: Int
    public let primal: Double
    public let dual: Double
    public let gap: Double
    public let relativeGap: Double
    public let seconds: Double
    public let x: UnsafeRawPointer
}

/// Called at every check; return false to stop the run (it then returns its current iterate with
/// stop reason `.callback`). A thrown error ends the solve with that error, writing nothing.
public typealias SolverCallback = (SolverProgress) throws -> Bool

/// A monotonic clock for `seconds`.
func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
