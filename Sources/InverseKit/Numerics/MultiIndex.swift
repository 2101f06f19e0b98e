/// Row-major multi-index iteration and the placement of a kernel on a periodic grid, shared by the
/// FFT-based operators.
enum MultiIndex {
    /// Calls `body(index)` for every multi-index of `shape` in row-major order.
    static func forEach(_ shape: [Int], _ body: ([Int]) -> Void) {
        guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else { return }
        var index = [Int](repeating: 0, count: shape.count)
        while true {
            body(index)
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }

    /// The kernel (row-major, `kernelShape`) laid on a grid of `grid`, flat row-major, either at
    /// the origin or wrapped around its centre k // 2 (periodic convolution); overlapping entries
    /// add. `placed` holds the grid's count of values, every `stride`-th written (2 places reals
    /// into interleaved complex); the caller zeroes it first.
    static func placeKernel(_ kernel: UnsafeBufferPointer<Double>, _ kernelShape: [Int], on grid: [Int], centered: Bool,
                            into placed: UnsafeMutablePointer<Double>, stride: Int = 1) {
        var position = 0
        forEach(kernelShape) { index in
            var flat = 0
            for a in 0..<grid.count {
                var p = index[a]
                if centered { p = ((p - kernelShape[a] / 2) % grid[a] + grid[a]) % grid[a] }
                flat = flat * grid[a] + p
            }
            placed[stride * flat] += kernel[position]
            position += 1
        }
    }
}
