/// The TV proximal map as a reusable object: made once for a shape, applied many times. It keeps
/// the dual of its last solve and starts the next one from it (rescaled to the new lambda), which is
/// what an outer proximal algorithm calling prox_{lambda TV} on a slowly changing point needs.
/// Holds iteration state: use one object from one thread at a time.
public final class TVProx<T: BinaryFloatingPoint> {
    public let grid: TVGrid
    public private(set) var options: TVOptions
    /// Weights and dual live in buffers allocated fallibly at creation.
    private let weights: AlignedBuffer<T>?
    private let dual: AlignedBuffer<T>
    private var dualLambda: Double? = nil
    /// The solvers' work space, made once for this grid and these options (a TVWorkspace<Float>
    /// or <Double>): applying allocates nothing.
    private let workspace: AnyObject

    /// `options.lambda` is ignored (each `apply` gives its own); the rest is validated here.
    public convenience init(shape: [Int], options: TVOptions, weights: [T]? = nil) throws {
        let copy = try weights.map { try AlignedBuffer(copying: $0) }
        try self.init(shape: shape, options: options, weights: copy?.buffer)
    }

    /// The same with the weights in a buffer (copied).
    public init(shape: [Int], options: TVOptions, weights: UnsafeBufferPointer<T>?) throws {
        grid = try TVGrid(shape: shape)
        var checked = options
        checked.lambda = 0
        try checked.validate()
        if let weights {
            guard weights.count == grid.count else {
                throw InverseKitError(.shape, "Invalid weights: expected \(grid.count) elements, got \(weights.count)")
            }
            if let bad = weights.firstIndex(where: { !$0.isFinite }) {
                throw InverseKitError(.notFinite, "Invalid weights: element \(bad) is \(weights[bad]), expected finite values")
            }
            if let bad = weights.firstIndex(where: { $0 < 0 }) {
                throw InverseKitError(.invalidArgument, "Invalid weights: must be >= 0, element \(bad) is \(weights[bad])")
            }
        }
        self.options = checked
        self.weights = try weights.map { try AlignedBuffer(copying: $0) }
        dual = try AlignedBuffer(repeating: 0, count: grid.components * grid.count)
        if T.self == Float.self {
            workspace = try TVWorkspace<Float>(grid: grid, options: checked, weighted: weights != nil)
        } else if T.self == Double.self {
            workspace = try TVWorkspace<Double>(grid: grid, options: checked, weighted: weights != nil)
        } else {
            throw InverseKitError(.unsupportedType, "The TV prox supports Float and Double, got \(T.self)")
        }
    }

    /// x = prox_{lambda TV}(y) (with the box and weights given at creation). Contiguous buffers of
    /// the grid's size; `output` may not overlap `y`. Nothing is written on error.
    public func apply(_ y: UnsafeBufferPointer<T>, lambda: Double,
                      output: UnsafeMutableBufferPointer<T>) throws -> TVInfo {
        var settings = options
        settings.lambda = lambda
        try settings.validate()
        let previous = dualLambda
        if let previous, previous > 0, previous != lambda {
            // The dual ball scales with lambda; so does a good starting point.
            let factor = T(lambda / previous)
            for i in 0..<dual.count { dual.pointer[i] *= factor }
            dualLambda = lambda
        }
        let q = UnsafeMutableBufferPointer(start: dual.pointer, count: dual.count)
        let info = try TotalVariation.denoise(y, grid: grid, weights: weights?.buffer, options: settings, output: output,
                                              dual: q, warmStart: previous != nil, workspace: workspace)
        dualLambda = lambda
        return info
    }

    /// TV_w(x) with the weights given at creation (the box is not checked).
    public func value(_ x: UnsafeBufferPointer<T>) throws -> Double {
        try TotalVariation.value(x, grid: grid, norm: options.norm, weights: weights?.buffer, workspace: workspace)
    }

    /// The dual of the last `apply` (components x size, |q_i| <= lambda w_i, its x = clip(y + div q)
    /// up to the solve's accuracy) into `target`; false, writing nothing, before any apply.
    package func copyDual(into target: UnsafeMutablePointer<T>) -> Bool {
        guard dualLambda != nil else { return false }
        target.update(from: dual.pointer, count: dual.count)
        return true
    }

    /// Forgets the stored dual: the next `apply` starts cold.
    public func reset() {
        dual.pointer.update(repeating: 0, count: dual.count)
        dualLambda = nil
    }
}
