/// A convolution kernel that is an outer product of 1-D taps (a Gaussian, a box, any 1-D kernel),
/// applied directly as one pass per axis. For a 13 x 13 Gaussian on a 512^2 image that is 26
/// multiply-adds per pixel, several times less work than a pair of FFTs, and no rounding from
/// the transforms.
///
/// One pass along an axis of extent n, with taps h[0 ..< m] and offset o, maps an array whose
/// extent on that axis is n to one of extent n':
///     z[i] = sum_a h[a] x[i + o - a],   i < n',
/// where x is read circularly (periodic) or as 0 outside 0 ..< n (zero boundaries). The kernel's
/// placement gives o: m / 2 periodic (centre at index m // 2), (m - 1) / 2 "same", m - 1 "valid".
/// The adjoint pass is the same formula with the taps reversed and offset m - 1 - o, from n' back
/// to n; forward and adjoint use the same taps, so they are exact adjoints of each other.
final class SeparableKernel {
    let precision: ScalarType.Precision
    let periodic: Bool
    /// Image extents, output extents, taps and offsets per axis.
    private let inputShape: [Int], outputShape: [Int]
    private let lengths: [Int], offsets: [Int]
    /// Per axis, the taps and then the same reversed, in the working precision.
    private let taps: AlignedBuffer<UInt8>
    private let tapStarts: [Int]
    /// Two intermediate images, then per thread one padded row of the last axis.
    private let work: Workspace
    private let imageReals: Int, rowReals: Int

    /// nil unless `kernel` (row-major, `kernelShape`) is an outer product of 1-D taps to within
    /// a few units of rounding of the working precision, and the passes are cheaper than FFTs.
    static func detect(_ kernel: UnsafeBufferPointer<Double>, _ kernelShape: [Int], image: [Int], output: [Int],
                       offsets: [Int], periodic: Bool, precision: ScalarType.Precision) throws -> SeparableKernel? {
        // Each pass costs m multiply-adds per element, an FFT pair about 5 log2(N); beyond about
        // 48 taps in all the transform wins at the sizes where either matters.
        guard kernelShape.reduce(0, +) <= 48 else { return nil }
        guard let pivot = kernel.indices.max(by: { kernel[$0].magnitude < kernel[$1].magnitude }),
              kernel[pivot] != 0 else { return nil }
        let d = kernelShape.count
        var strides = [Int](repeating: 1, count: d)
        for a in stride(from: d - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * kernelShape[a + 1] }
        let at = (0..<d).map { pivot / strides[$0] % kernelShape[$0] }
        // The line through the pivot along each axis; all but the first divided by the pivot.
        let factors: [[Double]] = (0..<d).map { axis in
            (0..<kernelShape[axis]).map { i in
                let v = kernel[pivot + (i - at[axis]) * strides[axis]]
                return axis == 0 ? v : v / kernel[pivot]
            }
        }
        let tolerance = 8 * precision.unitRoundoff * kernel[pivot].magnitude
        for flat in kernel.indices {
            var product = 1.0
            for axis in 0..<d { product *= factors[axis][flat / strides[axis] % kernelShape[axis]] }
            if (kernel[flat] - product).magnitude > tolerance { return nil }
        }
        return try SeparableKernel(factors, image: image, output: output, offsets: offsets, periodic: periodic,
                                   precision: precision)
    }

    private init(_ factors: [[Double]], image: [Int], output: [Int], offsets: [Int], periodic: Bool,
                 precision: ScalarType.Precision) throws {
        self.precision = precision
        self.periodic = periodic
        inputShape = image
        outputShape = output
        lengths = factors.map(\.count)
        self.offsets = offsets
        var starts: [Int] = [], all: [Double] = []
        for f in factors {
            starts.append(all.count)
            all += f + f.reversed()
        }
        tapStarts = starts
        taps = try all.withUnsafeBufferPointer { try AlignedBuffer(reals: $0, precision: precision) }
        let size = precision == .single ? 4 : 8
        imageReals = (max(image.reduce(1, *), output.reduce(1, *)) * size + 63) / 64 * 64 / size
        rowReals = ((max(image.last!, output.last!) + lengths.last!) * size + 63) / 64 * 64 / size
        work = try Workspace(bytes: (2 * imageReals + ThreadTeam.availableCores * rowReals) * size)
    }

    /// y = k * x (forward) or x = k^T * y (adjoint), arrays in the working precision.
    func apply(_ source: UnsafeRawPointer, into target: UnsafeMutableRawPointer, adjoint: Bool) throws {
        switch precision {
        case .double: try run(Double.self, source, target, adjoint)
        case .single: try run(Float.self, source, target, adjoint)
        }
    }

    private func run<T: LaneScalar>(_: T.Type, _ source: UnsafeRawPointer, _ target: UnsafeMutableRawPointer,
                                    _ adjoint: Bool) throws {
        try work.with { base in
            let memory = base.assumingMemoryBound(to: T.self), rows = memory + 2 * imageReals
            let h = UnsafeRawPointer(taps.pointer).assumingMemoryBound(to: T.self)
            let from = adjoint ? outputShape : inputShape, to = adjoint ? inputShape : outputShape
            var x = source.assumingMemoryBound(to: T.self)
            let d = from.count
            // Last axis first (its rows are contiguous), then the others. Before the pass along
            // `axis`, the later axes already have their new extents and the earlier ones their old.
            var inner = 1
            for axis in stride(from: d - 1, through: 0, by: -1) {
                let m = lengths[axis], outer = from[..<axis].reduce(1, *)
                let offset = adjoint ? m - 1 - offsets[axis] : offsets[axis]
                let kernel = h + tapStarts[axis] + (adjoint ? m : 0)
                let z = axis == 0 ? target.assumingMemoryBound(to: T.self) : memory + (d - 1 - axis) % 2 * imageReals
                if axis == d - 1 {
                    lastAxisPass(x, outer, from[axis], kernel, m, offset, to[axis], z, rows)
                } else {
                    axisPass(x, outer, from[axis], inner, kernel, m, offset, to[axis], z)
                }
                inner *= to[axis]
                x = UnsafePointer(z)
            }
        }
    }

    /// Along the last axis: each row is copied with its halo (wrapped or zero) into a per-thread
    /// buffer p, then z[i] = sum_b h[m-1-b] p[i + b]: m shifted lines of p, summed like the lines
    /// of the other axes.
    /// `rows` rows of `n` to rows of `extent`.
    private func lastAxisPass<T: LaneScalar>(_ x: UnsafePointer<T>, _ rows: Int, _ n: Int, _ h: UnsafePointer<T>,
                                             _ m: Int, _ offset: Int, _ extent: Int,
                                             _ z: UnsafeMutablePointer<T>, _ rowBuffers: UnsafeMutablePointer<T>) {
        let periodic = periodic, stride = rowReals, first = offset - (m - 1), padded = extent + m - 1
        let parts = min(ParallelLoops.threads(m * rows * extent), rows, ThreadTeam.availableCores)
        _ = ThreadTeam.run(size: parts) { rank, team in
            let p = rowBuffers + rank * stride
            withUnsafeTemporaryAllocation(of: UnsafePointer<T>.self, capacity: m) { sources in
                withUnsafeTemporaryAllocation(of: T.self, capacity: m) { weights in
                    guard let v = sources.baseAddress, let t = weights.baseAddress else { return }
                    for b in 0..<m {
                        v[b] = UnsafePointer(p + b)
                        t[b] = h[m - 1 - b]
                    }
                    for r in partitionRange(count: rows, parts: team.size, rank: rank) {
                        let row = x + r * n
                        // p[q] = x[q + first]: a left halo (j < 0), the row, a right halo (j >= n).
                        // Periodic kernels are at most n long, so one wrap suffices.
                        let left = min(max(-first, 0), padded), right = max(min(n - first, padded), left)
                        for q in 0..<left { p[q] = periodic ? row[q + first + n] : 0 }
                        if right > left { (p + left).update(from: row + left + first, count: right - left) }
                        for q in right..<padded { p[q] = periodic ? row[q + first - n] : 0 }
                        Self.sumLines(v, t, m, extent, into: z + r * extent)
                    }
                }
            }
        }
    }

    /// Along another axis: each output line of the axis is a sum of m whole input lines (the
    /// inner block of later axes, contiguous), so the loop over that block vectorises.
    /// `outer` blocks of `n` lines of `inner` to blocks of `extent` lines.
    private func axisPass<T: LaneScalar>(_ x: UnsafePointer<T>, _ outer: Int, _ n: Int, _ inner: Int,
                                         _ h: UnsafePointer<T>, _ m: Int, _ offset: Int, _ extent: Int,
                                         _ z: UnsafeMutablePointer<T>) {
        let periodic = periodic, lines = outer * extent
        ParallelLoops.ranges(lines, work: m * lines * inner) { range in
            // The input lines of one output line and their taps, on the stack.
            withUnsafeTemporaryAllocation(of: UnsafePointer<T>.self, capacity: m) { sources in
                withUnsafeTemporaryAllocation(of: T.self, capacity: m) { weights in
                    guard let v = sources.baseAddress, let t = weights.baseAddress else { return }
                    for line in range {
                        let o = line / extent, i = line % extent
                        var count = 0
                        for a in 0..<m {
                            var j = i + offset - a
                            if periodic {
                                j = (j % n + n) % n
                            } else if j < 0 || j >= n {
                                continue
                            }
                            v[count] = x + (o * n + j) * inner
                            t[count] = h[a]
                            count += 1
                        }
                        Self.sumLines(v, t, count, inner, into: z + line * inner)
                    }
                }
            }
        }
    }

    /// z = sum_c t[c] v[c][0 ..< length], each vector of z summed in registers (four at a time: one
    /// accumulator would wait on each fma's latency).
    @inline(__always)
    private static func sumLines<T: LaneScalar>(_ v: UnsafeMutablePointer<UnsafePointer<T>>, _ t: UnsafeMutablePointer<T>,
                                                _ count: Int, _ length: Int, into z: UnsafeMutablePointer<T>) {
        let w = T.Lanes.width
        var k = 0
        while k + 4 * w <= length {
            var a0 = T.Lanes(repeating: 0), a1 = a0, a2 = a0, a3 = a0
            for c in 0..<count {
                let s = T.Lanes(repeating: t[c]), q = v[c] + k
                a0 = T.Lanes.fma(s, T.Lanes.load(q), a0)
                a1 = T.Lanes.fma(s, T.Lanes.load(q + w), a1)
                a2 = T.Lanes.fma(s, T.Lanes.load(q + 2 * w), a2)
                a3 = T.Lanes.fma(s, T.Lanes.load(q + 3 * w), a3)
            }
            a0.store(to: z + k)
            a1.store(to: z + k + w)
            a2.store(to: z + k + 2 * w)
            a3.store(to: z + k + 3 * w)
            k += 4 * w
        }
        while k + w <= length {
            var acc = T.Lanes(repeating: 0)
            for c in 0..<count { acc = T.Lanes.fma(T.Lanes(repeating: t[c]), T.Lanes.load(v[c] + k), acc) }
            acc.store(to: z + k)
            k += w
        }
        while k < length {
            var acc: T = 0
            for c in 0..<count { acc += t[c] * v[c][k] }
            z[k] = acc
            k += 1
        }
    }
}
