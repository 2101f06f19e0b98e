/// A dense, row-major (C order) n-dimensional array owned by Swift: the value type of the Swift API.
public struct NDArray<Element>: CustomStringConvertible {
    public private(set) var shape: [Int]
    public var storage: [Element]

    /// An array of `shape` whose elements are all `value`.
    public init(shape: [Int], repeating value: Element) throws {
        let count = try NDArray.elementCount(shape)
        self.shape = shape
        self.storage = Array(repeating: value, count: count)
    }

    /// An array of `shape` holding `storage` in row-major order.
    public init(shape: [Int], storage: [Element]) throws {
        let count = try NDArray.elementCount(shape)
        guard storage.count == count else {
            throw InverseKitError(.shape, "Invalid storage: shape \(shape) needs \(count) elements, got \(storage.count)")
        }
        self.shape = shape
        self.storage = storage
    }

    public var count: Int { storage.count }

    /// Element at a full multi-index (no bounds promises beyond Array's own checks).
    public subscript(_ index: Int...) -> Element {
        get { storage[linearIndex(index)] }
        set { storage[linearIndex(index)] = newValue }
    }

    private func linearIndex(_ index: [Int]) -> Int {
        var offset = 0
        for (axis, i) in index.enumerated() { offset = offset * shape[axis] + i }
        return offset
    }

    public var description: String { "NDArray(shape: \(shape))" }

    /// Product of the extents, checking each is >= 0 and the product fits an Int.
    public static func elementCount(_ shape: [Int]) throws -> Int {
        var total = 1
        for (axis, extent) in shape.enumerated() {
            guard extent >= 0 else { throw InverseKitError(.shape, "Invalid shape: extent of axis \(axis) is \(extent)") }
            let (product, overflow) = total.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw InverseKitError(.overflow, "Invalid shape: \(shape) has too many elements") }
            total = product
        }
        return total
    }
}
