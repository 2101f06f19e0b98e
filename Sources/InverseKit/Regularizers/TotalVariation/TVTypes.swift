/// Which norm couples the partial derivatives at a pixel.
public enum TVNorm: Int32, Sendable {
    /// w_i * sqrt(sum_k (D_k x)_i^2): rotation invariant.
    case isotropic = 0
    /// w_i * sum_k |(D_k x)_i|: separable, favours axis-aligned edges.
    case anisotropic = 1
}

/// Settings of the TV proximal map (TV denoising).
public struct TVOptions: Sendable {
    /// Regularisation weight lambda >= 0.
    public var lambda: Double = 0.1
    public var norm: TVNorm = .isotropic
    /// Stop when the relative gap (see `TVInfo.relativeGap`) <= tolerance; 0 runs `maxIterations`.
    public var tolerance: Double = 1e-4
    public var maxIterations: Int = 1000
    /// Worker threads; 0 means one per online core. Small problems use fewer.
    public var threads: Int = 0
    /// The duality gap is evaluated every `checkInterval` iterations (about one iteration's cost).
    public var checkInterval: Int = 10
    /// Box constraint lower <= x <= upper (infinite bounds mean none).
    public var lower: Double = -.infinity
    public var upper: Double = .infinity

    public init() {}

    public init(lambda: Double, norm: TVNorm = .isotropic, tolerance: Double = 1e-4,
                maxIterations: Int = 1000, threads: Int = 0, checkInterval: Int = 10,
                lower: Double = -.infinity, upper: Double = .infinity) {
        self.lambda = lambda
        self.norm = norm
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.threads = threads
        self.checkInterval = checkInterval
        self.lower = lower
        self.upper = upper
    }

    /// Throws unless every field is in range. `field` names a field in messages as the caller
    /// knows it (the C layer passes "options.lambda" for "lambda").
    public func validate(field: (String) -> String = { $0 }) throws {
        guard lambda.isFinite, lambda >= 0 else {
            throw InverseKitError(lambda.isNaN || lambda.isInfinite ? .notFinite : .invalidArgument,
                                  "Invalid \(field("lambda")): expected a finite value >= 0, got \(lambda)")
        }
        guard tolerance.isFinite, tolerance >= 0 else {
            throw InverseKitError(.invalidArgument,
                                  "Invalid \(field("tolerance")): expected a finite value >= 0, got \(tolerance)")
        }
        guard maxIterations >= 1 else {
            throw InverseKitError(.invalidArgument, "Invalid \(field("max_iterations")): expected >= 1, got \(maxIterations)")
        }
        guard threads >= 0 else {
            throw InverseKitError(.invalidArgument, "Invalid \(field("threads")): expected >= 0, got \(threads)")
        }
        guard checkInterval >= 1 else {
            throw InverseKitError(.invalidArgument, "Invalid \(field("check_interval")): expected >= 1, got \(checkInterval)")
        }
        let box = "\(field("lower")), \(field("upper"))"
        guard !lower.isNaN, !upper.isNaN else {
            throw InverseKitError(.notFinite, "Invalid \(box): lower and upper must not be NaN")
        }
        guard lower <= upper else {
            throw InverseKitError(.invalidArgument, "Invalid \(box): lower (\(lower)) > upper (\(upper))")
        }
        guard lower < .infinity, upper > -.infinity else {
            throw InverseKitError(.invalidArgument, "Invalid \(box): lower must be < +inf and upper > -inf")
        }
    }
}

/// What a TV solve did, and the certificate of how close its answer is to optimal.
public struct TVInfo: Sendable, Equatable {
    /// Dual iterations performed.
    public var iterations: Int = 0
    /// P(x) = 0.5 ||x - y||^2 + lambda TV(x) at the returned x.
    public var primal: Double = 0
    /// A lower bound on min P from the returned dual q (D(q), corrected for a dual that rounding left
    /// just outside its ball), evaluated in Double.
    public var dual: Double = 0
    /// max(primal - dual, 0) >= P(x) - min P.
    public var gap: Double = 0
    /// gap / dual, which bounds (P(x) - min P) / min P (0 when the gap is 0, infinity when the
    /// dual bound is not positive).
    public var relativeGap: Double = 0
    /// relativeGap <= tolerance was reached.
    public var converged: Bool = false
    /// Threads used.
    public var threads: Int = 1

    public init() {}
}
