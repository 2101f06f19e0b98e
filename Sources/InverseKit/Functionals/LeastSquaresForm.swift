/// How a quadratic functional writes as a weighted least-squares residual:
///     f(z) = (c/2) sum_j w_j |(M z - b)_j|^2
/// with c > 0, M a chain of operators (applied first to last; none: the identity), b in M's output
/// space (nil: 0) and w >= 0 real weights per output element (nil: all ones). The Krylov
/// least-squares solvers (CGLS, LSQR) need every term in this form. The pointers stay valid as long
/// as `owners` live.
package struct LeastSquaresForm {
    package var scale: Double
    package var operators: [LinearOperator]
    package var offset: UnsafeRawPointer?
    package var weights: UnsafeRawPointer?
    package var owners: [AnyObject]

    /// M's output shape and type, or nil for the identity (then z's).
    package var outputOperator: LinearOperator? { operators.last }
}
