/// TV(x) = sum_i w_i |(D x)_i| with the grid's discretisation.
enum TVValue<T: LaneScalar, N: TVPixelNorm> {
    /// The sum over the planes in `slab` (rows of the plane after the slab are read, not summed).
    static func slabValue(x: UnsafeMutablePointer<T>, grid: TVGrid, weights: UnsafeMutablePointer<T>?,
                          ones: UnsafeMutablePointer<T>, slab: Range<Int>) -> Double {
        let plane = grid.plane, n1 = grid.n1, n2 = grid.n2
        var sum = 0.0
        for i in slab {
            for j in 0..<n1 {
                let offset = i * plane + j * n2
                let xRow = x + offset
                let nextPlane = i + 1 < grid.n0 ? xRow + plane : xRow
                let nextRow: UnsafeMutablePointer<T>? = grid.hasMiddle ? (j + 1 < n1 ? xRow + n2 : xRow) : nil
                sum += TVRowKernels<T>.valueRow(N.self, xRow: xRow, nextPlane: nextPlane, nextRow: nextRow,
                                                weights: weights.map { $0 + offset } ?? ones, count: n2)
            }
        }
        return sum
    }
}
