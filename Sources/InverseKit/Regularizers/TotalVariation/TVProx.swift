/// The TV proximal map as a reusable object: made once for a shape, applied many times. It keeps
/// the dual of its last solve and starts the next one from it (rescaled to the new lambda), which is
/// what an outer proximal algorithm calling prox_{lambda TV} on a slowly changing point needs.
/// Holds iteration state: use one object from one thread at a time.
public final class TVProx<T: BinaryFloatingPoint> {
    public let grid: TVGrid
    public private(set) var options: TVOptions
    private let weights: [T]?
    private var dual: [T]
    private var dualLambda: Double? = nil

    /// `options.lambda` is ignored (each `apply` gives its own); the rest is validated here.
    public init(shape: [Int], options: TVOptions, weights: [T]? = nil) throws {
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
        self.weights = weights
        self.dual = try NDArray<T>(shape: grid.dualShape, repeating: 0).storage
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
            for i in dual.indices { dual[i] *= factor }
            dualLambda = lambda
        }
        let info = try dual.withUnsafeMutableBufferPointer { q in
            if let weights {
                return try weights.withUnsafeBufferPointer { w in
                    try TotalVariation.denoise(y, grid: grid, weights: w, options: settings, output: output, dual: q,
                                               warmStart: previous != nil)
                }
            }
            return try TotalVariation.denoise(y, grid: grid, weights: nil, options: settings, output: output, dual: q,
                                              warmStart: previous != nil)
        }
        dualLambda = lambda
        return info
    }

    /// Forgets the stored dual: the next `apply` starts cold.
    public func reset() {
        for i in dual.indices { dual[i] = 0 }
        dualLambda = nil
    }
}
