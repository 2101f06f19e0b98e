import Synchronization

/// An upper bound on ||A||_2 for step sizes, computed once per operator.
///
/// Step-size rules (tau sigma ||K||^2 < 1, 1/L for proximal gradient) need an upper bound, and the
/// Lanczos estimate is a lower one. Operators with an analytic bound report it (`analyticNormBound`:
/// the gradient's sqrt(4 d), a diagonal's largest modulus); the others get the Lanczos estimate at
/// tolerance 1e-6 times a safety margin of 1.01, two orders of magnitude above the estimate's error.
extension LinearOperator {
    /// The factor by which a Lanczos estimate is raised to serve as an upper bound.
    public static var normSafetyMargin: Double { 1.01 }

    /// An upper bound on ||A||_2: `analyticNormBound` when the operator has one, else the margined
    /// Lanczos estimate. Computed on first use and cached (concurrent first calls may both compute it).
    public func normUpperBound() throws -> Double {
        if let cached = normCache.withLock({ $0 }) { return cached }
        let bound = try analyticNormBound ?? (operatorNorm(seed: 0, tolerance: 1e-6, maxIterations: 2000) * Self.normSafetyMargin)
        normCache.withLock { $0 = bound }
        return bound
    }

    /// Sets the bound that `normUpperBound` returns, for a caller who knows it (e.g. from theory).
    public func setNormUpperBound(_ bound: Double) throws {
        guard bound.isFinite, bound >= 0 else {
            throw InverseKitError(.invalidArgument, "Invalid norm: expected a finite value >= 0, got \(bound)")
        }
        normCache.withLock { $0 = bound }
    }
}

/// The cache behind `normUpperBound`, one per operator.
package final class NormCache: Sendable {
    private let value = Mutex<Double?>(nil)
    package init() {}
    package func withLock<R>(_ body: (inout Double?) -> R) -> R { value.withLock { body(&$0) } }
}
