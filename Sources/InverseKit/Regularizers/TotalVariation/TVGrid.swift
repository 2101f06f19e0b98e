/// The grid a TV problem lives on, and its discretisation: forward differences with Neumann
/// boundary along each axis. A 2-D array (s0, s1) is handled as (s0, 1, s1) with two derivative
/// components, a 3-D array (s0, s1, s2) with three. Component 0 is always axis 0 (the axis split
/// between threads), the last component the contiguous axis.
public struct TVGrid: Sendable, Equatable {
    public let shape: [Int]
    let n0: Int
    let n1: Int
    let n2: Int
    /// Number of derivative components (= number of dimensions).
    public let components: Int

    /// `name` is the argument the shape came from, for messages ("Invalid y: ...").
    public init(shape: [Int], name: String = "shape") throws {
        guard shape.count == 2 || shape.count == 3 else {
            throw InverseKitError(.shape, "Invalid \(name): expected 2 or 3 dimensions, got \(shape.count)")
        }
        for (axis, extent) in shape.enumerated() where extent < 1 {
            throw InverseKitError(.shape, "Invalid \(name): extent of axis \(axis) must be >= 1, got \(extent)")
        }
        var total = 1
        for extent in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw InverseKitError(.overflow, "Invalid \(name): shape \(shape) has too many elements") }
            total = product
        }
        // The dual has `components` times as many elements; keep that representable too.
        guard !total.multipliedReportingOverflow(by: shape.count * 8).overflow else {
            throw InverseKitError(.overflow, "Invalid \(name): shape \(shape) has too many elements")
        }
        self.shape = shape
        self.components = shape.count
        if shape.count == 2 {
            (n0, n1, n2) = (shape[0], 1, shape[1])
        } else {
            (n0, n1, n2) = (shape[0], shape[1], shape[2])
        }
    }

    /// Elements in the array.
    public var count: Int { n0 * n1 * n2 }
    var plane: Int { n1 * n2 }
    var hasMiddle: Bool { components == 3 }
    /// Threads a solver runs for a requested count (0: one per online core): at most one per
    /// plane of axis 0, the axis split between them, and fewer on small grids, where below ~16k
    /// pixels per thread the barriers cost more than the split saves.
    func teamSize(threads: Int) -> Int {
        let requested = threads == 0 ? ThreadTeam.availableCores : threads
        return max(1, min(requested, n0, count / 16384))
    }

    /// The shape of the dual variable: (components, shape...).
    public var dualShape: [Int] { [components] + shape }
}
