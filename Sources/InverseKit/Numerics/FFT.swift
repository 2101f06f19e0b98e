import CFFTW
#if canImport(Glibc)
import Glibc
#endif

/// FFTW's planner is not thread-safe (execution with the new-array functions is): every plan is
/// made and destroyed under this lock.
private var plannerLock: pthread_mutex_t = {
    var m = pthread_mutex_t()
    pthread_mutex_init(&m, nil)
    return m
}()

private var threadsReady = false

private func withPlanner<R>(_ body: () -> R) -> R {
    pthread_mutex_lock(&plannerLock)
    defer { pthread_mutex_unlock(&plannerLock) }
    if !threadsReady {
        // Once, before any plan: lets plans of large transforms use several threads.
        _ = fftw_init_threads()
        _ = fftwf_init_threads()
        threadsReady = true
    }
    return body()
}

/// Unnormalised multi-dimensional DFTs of one size, planned once and executed on any buffers
/// (64-byte aligned, like the library's scratch buffers). `real` plans map real arrays of `shape`
/// to half spectra (last axis shape[-1] / 2 + 1) and back; complex plans map complex to complex.
///
/// Complex transforms of rank 2 and 3 are done axis by axis: FFTW transforms all rows of the last
/// axis in one plan, then every other axis is transformed in blocks of a few adjacent columns
/// copied into a small buffer. FFTW's estimated plans for a whole 2-D transform walk columns at
/// the row stride, which for power-of-two rows maps every element to the same cache set: at
/// 256 x 256 they take about six times as long as this, for the same arithmetic (and bits).
final class FFTPlan {
    enum Kind { case real, complex }
    let shape: [Int]
    let kind: Kind
    let precision: ScalarType.Precision
    /// Complex elements of a spectrum.
    let spectrumCount: Int
    let count: Int
    /// Whole transforms (real kind), or the last axis's rows (complex kind).
    private var forwardPlan: OpaquePointer?
    private var backwardPlan: OpaquePointer?
    /// Complex kind: the other axes, each transformed in column blocks.
    private var axes: [ColumnPass] = []
    /// Per thread, one block of columns (complex kind of rank >= 2).
    private let blocks: Workspace?
    private let blockBytes: Int

    /// The transform along one axis that is not the last: `extent` points at `stride` complex
    /// elements apart, for `outer` x `stride` positions, `width` adjacent positions per block.
    private struct ColumnPass {
        let extent: Int, stride: Int, outer: Int, width: Int
        /// Plans for a full block and for the last, narrower one (nil when none is narrower),
        /// in place on a block buffer where element (i, t) is at i * width + t.
        var forward: OpaquePointer?, backward: OpaquePointer?
        var forwardRest: OpaquePointer?, backwardRest: OpaquePointer?
        var blocksPerRow: Int { (stride + width - 1) / width }
    }

    /// Columns per block: 16 complex numbers span 4 cache lines (double) and keep a block of a
    /// 1024-point axis within 256 KiB.
    private static let blockWidth = 16

    init(shape: [Int], kind: Kind, precision: ScalarType.Precision) throws {
        guard shape.allSatisfy({ $0 >= 1 && $0 <= Int(Int32.max) }) else {
            throw InverseKitError(.overflow, "FFT size \(shape) is out of range")
        }
        self.shape = shape
        self.kind = kind
        self.precision = precision
        count = shape.reduce(1, *)
        let last = shape[shape.count - 1]
        // FFTW counts in int: the rows of one plan and the elements must fit.
        guard count <= Int(Int32.max) else {
            throw InverseKitError(.overflow, "FFT size \(shape) is out of range (\(count) points; at most \(Int32.max))")
        }
        spectrumCount = kind == .real ? count / last * (last / 2 + 1) : count
        let complexBytes = precision == .single ? 8 : 16
        // Plan on scratch arrays (ESTIMATE does not touch them, but FFTW wants real pointers).
        let input = try AlignedBuffer<UInt8>(count: count * complexBytes)
        let output = try AlignedBuffer<UInt8>(count: spectrumCount * complexBytes + 64)
        let a = UnsafeMutableRawPointer(input.pointer), b = UnsafeMutableRawPointer(output.pointer)
        // FFTW's planner aborts the process when its own allocations (twiddle tables, at most about
        // the transform's size) fail: make sure that much memory is there first.
        try AlignedBuffer<UInt8>.requireAllocatable(bytes: 2 * output.count)
        let columnAxes = kind == .complex ? Array(0..<(shape.count - 1)) : []
        let widest = columnAxes.map { shape[$0] }.max() ?? 0
        blockBytes = (Self.blockWidth * widest * complexBytes + 63) / 64 * 64
        blocks = columnAxes.isEmpty ? nil : try Workspace(bytes: ThreadTeam.availableCores * blockBytes)
        // Threads pay off from about 2^18 points; below that they cost more than they save.
        let threads = Int32(count >= 1 << 18 ? ThreadTeam.availableCores : 1)
        let dims = shape.map { Int32($0) }
        (forwardPlan, backwardPlan) = withPlanner {
            fftw_plan_with_nthreads(threads)
            fftwf_plan_with_nthreads(threads)
            switch kind {
            case .real: return Self.realPlans(dims, a, b, precision)
            case .complex:
                let rows = Int32(count / last), n = Int32(last)
                return (Self.manyPlan(precision, n, rows, a, 1, n, b, 1, n, FFTW_FORWARD),
                        Self.manyPlan(precision, n, rows, b, 1, n, a, 1, n, FFTW_BACKWARD))
            }
        }
        guard forwardPlan != nil, backwardPlan != nil else {
            throw InverseKitError(.outOfMemory, "FFTW could not plan a transform of size \(shape)")
        }
        guard let blocks else { return }
        try blocks.with { block in
            withPlanner {
                // Column blocks are small: one thread each, several blocks at once.
                fftw_plan_with_nthreads(1)
                fftwf_plan_with_nthreads(1)
                for axis in columnAxes {
                    let stride = shape[(axis + 1)...].reduce(1, *), width = min(Self.blockWidth, stride)
                    var pass = ColumnPass(extent: shape[axis], stride: stride, outer: shape[..<axis].reduce(1, *), width: width)
                    let n = Int32(shape[axis]), w = Int32(width), rest = Int32(stride % width)
                    pass.forward = Self.manyPlan(precision, n, w, block, w, 1, block, w, 1, FFTW_FORWARD)
                    pass.backward = Self.manyPlan(precision, n, w, block, w, 1, block, w, 1, FFTW_BACKWARD)
                    if rest > 0 {
                        pass.forwardRest = Self.manyPlan(precision, n, rest, block, w, 1, block, w, 1, FFTW_FORWARD)
                        pass.backwardRest = Self.manyPlan(precision, n, rest, block, w, 1, block, w, 1, FFTW_BACKWARD)
                    }
                    axes.append(pass)
                }
            }
        }
        guard axes.allSatisfy({ $0.forward != nil && $0.backward != nil
                && ($0.stride % $0.width == 0 || ($0.forwardRest != nil && $0.backwardRest != nil)) }) else {
            throw InverseKitError(.outOfMemory, "FFTW could not plan a transform of size \(shape)")
        }
    }

    private static func realPlans(_ dims: [Int32], _ a: UnsafeMutableRawPointer, _ b: UnsafeMutableRawPointer,
                                  _ precision: ScalarType.Precision) -> (OpaquePointer?, OpaquePointer?) {
        let flags = UInt32(FFTW_ESTIMATE), rank = Int32(dims.count)
        return dims.withUnsafeBufferPointer { n in
            switch precision {
            case .double:
                return (fftw_plan_dft_r2c(rank, n.baseAddress, a.assumingMemoryBound(to: Double.self),
                                          b.assumingMemoryBound(to: fftw_complex.self), flags),
                        fftw_plan_dft_c2r(rank, n.baseAddress, b.assumingMemoryBound(to: fftw_complex.self),
                                          a.assumingMemoryBound(to: Double.self), flags))
            case .single:
                return (fftwf_plan_dft_r2c(rank, n.baseAddress, a.assumingMemoryBound(to: Float.self),
                                           b.assumingMemoryBound(to: fftwf_complex.self), flags),
                        fftwf_plan_dft_c2r(rank, n.baseAddress, b.assumingMemoryBound(to: fftwf_complex.self),
                                           a.assumingMemoryBound(to: Float.self), flags))
            }
        }
    }

    /// `howmany` 1-D complex transforms of length `n` (FFTW's advanced interface).
    private static func manyPlan(_ precision: ScalarType.Precision, _ n: Int32, _ howmany: Int32,
                                 _ input: UnsafeMutableRawPointer, _ inStride: Int32, _ inDistance: Int32,
                                 _ output: UnsafeMutableRawPointer, _ outStride: Int32, _ outDistance: Int32,
                                 _ sign: Int32) -> OpaquePointer? {
        var length = n
        let flags = UInt32(FFTW_ESTIMATE)
        switch precision {
        case .double:
            return fftw_plan_many_dft(1, &length, howmany, input.assumingMemoryBound(to: fftw_complex.self), nil,
                                      inStride, inDistance, output.assumingMemoryBound(to: fftw_complex.self), nil,
                                      outStride, outDistance, sign, flags)
        case .single:
            return fftwf_plan_many_dft(1, &length, howmany, input.assumingMemoryBound(to: fftwf_complex.self), nil,
                                       inStride, inDistance, output.assumingMemoryBound(to: fftwf_complex.self), nil,
                                       outStride, outDistance, sign, flags)
        }
    }

    deinit {
        withPlanner {
            var plans = [forwardPlan, backwardPlan]
            for pass in axes { plans += [pass.forward, pass.backward, pass.forwardRest, pass.backwardRest] }
            for case let p? in plans {
                switch precision {
                case .double: fftw_destroy_plan(p)
                case .single: fftwf_destroy_plan(p)
                }
            }
        }
    }

    /// Spectrum of `input` (real or complex array of `shape`) into `output`. Out of place, both
    /// kinds leave `input` as it was.
    func forward(_ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer) throws {
        switch kind {
        case .real:
            switch precision {
            case .double:
                fftw_execute_dft_r2c(forwardPlan, input.assumingMemoryBound(to: Double.self),
                                     output.assumingMemoryBound(to: fftw_complex.self))
            case .single:
                fftwf_execute_dft_r2c(forwardPlan, input.assumingMemoryBound(to: Float.self),
                                      output.assumingMemoryBound(to: fftwf_complex.self))
            }
        case .complex:
            execute(forwardPlan, input, output)
            for pass in axes { try columns(pass, output, forward: true) }
        }
    }

    /// Unnormalised inverse: `spectrum` (destroyed for real plans) to `output`.
    func backward(_ spectrum: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer) throws {
        switch kind {
        case .real:
            switch precision {
            case .double:
                fftw_execute_dft_c2r(backwardPlan, spectrum.assumingMemoryBound(to: fftw_complex.self),
                                     output.assumingMemoryBound(to: Double.self))
            case .single:
                fftwf_execute_dft_c2r(backwardPlan, spectrum.assumingMemoryBound(to: fftwf_complex.self),
                                      output.assumingMemoryBound(to: Float.self))
            }
        case .complex:
            execute(backwardPlan, spectrum, output)
            for pass in axes { try columns(pass, output, forward: false) }
        }
    }

    private func execute(_ plan: OpaquePointer?, _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer) {
        switch precision {
        case .double:
            fftw_execute_dft(plan, input.assumingMemoryBound(to: fftw_complex.self),
                             output.assumingMemoryBound(to: fftw_complex.self))
        case .single:
            fftwf_execute_dft(plan, input.assumingMemoryBound(to: fftwf_complex.self),
                              output.assumingMemoryBound(to: fftwf_complex.self))
        }
    }

    /// One axis of `data` in place, block by block: copy `width` adjacent columns in, transform,
    /// copy back. Blocks are shared between threads; each block's arithmetic is the same whatever
    /// the thread count.
    private func columns(_ pass: ColumnPass, _ data: UnsafeMutableRawPointer, forward: Bool) throws {
        guard let blocks else { return }
        let element = precision == .single ? 8 : 16
        let perRow = pass.blocksPerRow, total = pass.outer * perRow, bytes = blockBytes
        let parts = min(ParallelLoops.threads(4 * count), total, ThreadTeam.availableCores)
        // The workspace was sized for every core; a concurrent caller gets a temporary one.
        try blocks.with { base in
            _ = ThreadTeam.run(size: parts) { rank, team in
                let block = base + rank * bytes
                for index in partitionRange(count: total, parts: team.size, rank: rank) {
                    let first = index % perRow * pass.width
                    let width = min(pass.width, pass.stride - first)
                    let origin = data + (index / perRow * pass.extent * pass.stride + first) * element
                    for i in 0..<pass.extent {
                        (block + i * pass.width * element).copyMemory(from: origin + i * pass.stride * element,
                                                                      byteCount: width * element)
                    }
                    let full = width == pass.width
                    self.execute(forward ? (full ? pass.forward : pass.forwardRest) : (full ? pass.backward : pass.backwardRest),
                                 block, block)
                    for i in 0..<pass.extent {
                        (origin + i * pass.stride * element).copyMemory(from: block + i * pass.width * element,
                                                                        byteCount: width * element)
                    }
                }
            }
        }
    }

    /// Whether FFTW may execute this plan on `pointer` (the same SIMD alignment as the planning
    /// arrays, which are 64-byte aligned).
    static func isAligned(_ pointer: UnsafeRawPointer) -> Bool { UInt(bitPattern: pointer) % 16 == 0 }

    /// The smallest n' >= n whose prime factors are all 2, 3, 5 or 7 (fast for FFTW).
    static func fastSize(_ n: Int) -> Int {
        var candidate = max(n, 1)
        while true {
            var m = candidate
            for p in [2, 3, 5, 7] { while m % p == 0 { m /= p } }
            if m == 1 { return candidate }
            candidate += 1
        }
    }
}
