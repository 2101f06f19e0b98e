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
final class FFTPlan {
    enum Kind { case real, complex }
    let shape: [Int]
    let kind: Kind
    let precision: ScalarType.Precision
    /// Complex elements of a spectrum.
    let spectrumCount: Int
    let count: Int
    private var forwardPlan: OpaquePointer?
    private var backwardPlan: OpaquePointer?

    init(shape: [Int], kind: Kind, precision: ScalarType.Precision) throws {
        guard shape.allSatisfy({ $0 >= 1 && $0 <= Int(Int32.max) }) else {
            throw InverseKitError(.overflow, "FFT size \(shape) is out of range")
        }
        self.shape = shape
        self.kind = kind
        self.precision = precision
        count = shape.reduce(1, *)
        spectrumCount = kind == .real ? count / shape[shape.count - 1] * (shape[shape.count - 1] / 2 + 1) : count
        let dims = shape.map { Int32($0) }
        let rank = Int32(shape.count)
        // Plan on scratch arrays (ESTIMATE does not touch them, but FFTW wants real pointers).
        let input = try AlignedBuffer<UInt8>(count: 2 * count * (precision == .single ? 4 : 8))
        let output = try AlignedBuffer<UInt8>(count: 2 * spectrumCount * (precision == .single ? 4 : 8) + 64)
        let a = UnsafeMutableRawPointer(input.pointer), b = UnsafeMutableRawPointer(output.pointer)
        // FFTW's planner aborts the process when its own allocations (twiddle tables, at most about
        // the transform's size) fail: make sure that much memory is there first.
        try AlignedBuffer<UInt8>.requireAllocatable(bytes: 2 * output.count)
        let flags = UInt32(FFTW_ESTIMATE)
        // Threads pay off from about 2^18 points; below that they cost more than they save.
        let threads = Int32(count >= 1 << 18 ? ThreadTeam.availableCores : 1)
        (forwardPlan, backwardPlan) = withPlanner {
            fftw_plan_with_nthreads(threads)
            fftwf_plan_with_nthreads(threads)
            return dims.withUnsafeBufferPointer { n in
                switch (kind, precision) {
                case (.real, .double):
                    return (fftw_plan_dft_r2c(rank, n.baseAddress, a.assumingMemoryBound(to: Double.self),
                                              b.assumingMemoryBound(to: fftw_complex.self), flags),
                            fftw_plan_dft_c2r(rank, n.baseAddress, b.assumingMemoryBound(to: fftw_complex.self),
                                              a.assumingMemoryBound(to: Double.self), flags))
                case (.real, .single):
                    return (fftwf_plan_dft_r2c(rank, n.baseAddress, a.assumingMemoryBound(to: Float.self),
                                               b.assumingMemoryBound(to: fftwf_complex.self), flags),
                            fftwf_plan_dft_c2r(rank, n.baseAddress, b.assumingMemoryBound(to: fftwf_complex.self),
                                               a.assumingMemoryBound(to: Float.self), flags))
                case (.complex, .double):
                    return (fftw_plan_dft(rank, n.baseAddress, a.assumingMemoryBound(to: fftw_complex.self),
                                          b.assumingMemoryBound(to: fftw_complex.self), FFTW_FORWARD, flags),
                            fftw_plan_dft(rank, n.baseAddress, b.assumingMemoryBound(to: fftw_complex.self),
                                          a.assumingMemoryBound(to: fftw_complex.self), FFTW_BACKWARD, flags))
                case (.complex, .single):
                    return (fftwf_plan_dft(rank, n.baseAddress, a.assumingMemoryBound(to: fftwf_complex.self),
                                           b.assumingMemoryBound(to: fftwf_complex.self), FFTW_FORWARD, flags),
                            fftwf_plan_dft(rank, n.baseAddress, b.assumingMemoryBound(to: fftwf_complex.self),
                                           a.assumingMemoryBound(to: fftwf_complex.self), FFTW_BACKWARD, flags))
                }
            }
        }
        guard forwardPlan != nil, backwardPlan != nil else {
            throw InverseKitError(.outOfMemory, "FFTW could not plan a transform of size \(shape)")
        }
    }

    deinit {
        withPlanner {
            switch precision {
            case .double:
                if let p = forwardPlan { fftw_destroy_plan(p) }
                if let p = backwardPlan { fftw_destroy_plan(p) }
            case .single:
                if let p = forwardPlan { fftwf_destroy_plan(p) }
                if let p = backwardPlan { fftwf_destroy_plan(p) }
            }
        }
    }

    /// Spectrum of `input` (real or complex array of `shape`) into `output`. `input` may be
    /// overwritten only by complex plans' callers' choice; real forward transforms preserve it.
    func forward(_ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer) {
        switch (kind, precision) {
        case (.real, .double):
            fftw_execute_dft_r2c(forwardPlan, input.assumingMemoryBound(to: Double.self),
                                 output.assumingMemoryBound(to: fftw_complex.self))
        case (.real, .single):
            fftwf_execute_dft_r2c(forwardPlan, input.assumingMemoryBound(to: Float.self),
                                  output.assumingMemoryBound(to: fftwf_complex.self))
        case (.complex, .double):
            fftw_execute_dft(forwardPlan, input.assumingMemoryBound(to: fftw_complex.self),
                             output.assumingMemoryBound(to: fftw_complex.self))
        case (.complex, .single):
            fftwf_execute_dft(forwardPlan, input.assumingMemoryBound(to: fftwf_complex.self),
                              output.assumingMemoryBound(to: fftwf_complex.self))
        }
    }

    /// Unnormalised inverse: `spectrum` (destroyed for real plans) to `output`.
    func backward(_ spectrum: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer) {
        switch (kind, precision) {
        case (.real, .double):
            fftw_execute_dft_c2r(backwardPlan, spectrum.assumingMemoryBound(to: fftw_complex.self),
                                 output.assumingMemoryBound(to: Double.self))
        case (.real, .single):
            fftwf_execute_dft_c2r(backwardPlan, spectrum.assumingMemoryBound(to: fftwf_complex.self),
                                  output.assumingMemoryBound(to: Float.self))
        case (.complex, .double):
            fftw_execute_dft(backwardPlan, spectrum.assumingMemoryBound(to: fftw_complex.self),
                             output.assumingMemoryBound(to: fftw_complex.self))
        case (.complex, .single):
            fftwf_execute_dft(backwardPlan, spectrum.assumingMemoryBound(to: fftwf_complex.self),
                              output.assumingMemoryBound(to: fftwf_complex.self))
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
