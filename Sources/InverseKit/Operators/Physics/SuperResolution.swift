/// Blur followed by decimation, the super-resolution forward model: y = S (k (*) x), where the
/// convolution is periodic (kernel centre at index k // 2, as ConvolutionOperator) and S keeps
/// every `factor`-th sample along each axis, starting at index 0. Input: a real 2-D or 3-D image
/// whose extents are multiples of `factor`; output: shape / factor.
///
/// (A^T A + rho I)^{-1} has a closed form in the periodic case. With K the kernel's DFT,
/// F the unnormalised DFT, M = N / factor per axis and the sums over the factor^d frequencies
/// k = q + j M that alias onto a low-resolution frequency q:
///     F x = (F b - conj(K) w[k mod M]) / rho,
///     w[q] = (1/f^d) sum_j K F b / (rho + (1/f^d) sum_j |K|^2)
/// (Woodbury's identity; F S^T u repeats F_M u, F_M S v folds F v with weight 1/f^d).
public final class SuperResolutionOperator: LinearOperator {
    public let factor: Int
    private let blur: ConvolutionOperator
    private let plan: FFTPlan
    /// K on the full grid, interleaved complex, in Double.
    private let kernelSpectrum: AlignedBuffer<Double>
    /// The low-resolution frequency each full-grid frequency aliases onto.
    private let lowIndex: AlignedBuffer<Int>
    /// The blurred image of an apply; a normal solve's two complex grids and its sums.
    private let fine: Workspace
    private let solveWork: Workspace

    public init(shape: [Int], kernel: UnsafeBufferPointer<Double>, kernelShape: [Int], factor: Int,
                precision: ScalarType.Precision) throws {
        guard shape.count == 2 || shape.count == 3 else {
            throw InverseKitError(.shape, "Invalid shape: super-resolution takes 2 or 3 dimensions, got \(shape.count)")
        }
        guard factor >= 1 else { throw InverseKitError(.invalidArgument, "Invalid factor: expected >= 1, got \(factor)") }
        for (axis, n) in shape.enumerated() where n % factor != 0 {
            throw InverseKitError(.shape, "Invalid shape: extent \(n) of axis \(axis) is not a multiple of the factor \(factor)")
        }
        blur = try ConvolutionOperator(shape: shape, kernel: kernel, kernelShape: kernelShape, boundary: .periodic,
                                       precision: precision)
        self.factor = factor
        plan = try FFTPlan(shape: shape, kind: .complex, precision: .double)
        kernelSpectrum = try AlignedBuffer<Double>(count: 2 * plan.count)
        let type = ScalarType(precision: precision, complex: false)
        let n = plan.count, lowCount = shape.reduce(1) { $0 * ($1 / factor) }
        lowIndex = try AlignedBuffer<Int>(count: n)
        fine = try Workspace(bytes: n * type.size)
        solveWork = try Workspace(bytes: (4 * n + 3 * lowCount) * 8)
        try super.init(inputShape: shape, outputShape: shape.map { $0 / factor }, inputType: type, outputType: type)
        try computeKernelSpectrum(kernel, kernelShape)
        let low = shape.map { $0 / factor }
        var position = 0
        MultiIndex.forEach(shape) { index in
            var q = 0
            for a in 0..<shape.count { q = q * low[a] + index[a] % low[a] }
            lowIndex.pointer[position] = q
            position += 1
        }
    }

    /// The same from a Swift array.
    public convenience init(shape: [Int], kernel: [Double], kernelShape: [Int], factor: Int,
                            precision: ScalarType.Precision) throws {
        let values = try AlignedBuffer(copying: kernel)
        try self.init(shape: shape, kernel: values.buffer, kernelShape: kernelShape, factor: factor, precision: precision)
    }

    override public var name: String { "blur and decimation" }

    /// Keeping some rows of the blur: every row and column sum is at most sum |k|.
    override public func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        rows.update(repeating: blur.kernelAbsoluteSum, count: outputCount)
        columns.update(repeating: blur.kernelAbsoluteSum, count: inputCount)
        return true
    }

    private func computeKernelSpectrum(_ kernel: UnsafeBufferPointer<Double>, _ kernelShape: [Int]) throws {
        let n = plan.count
        let placed = try AlignedBuffer<Double>(repeating: 0, count: 2 * n)
        MultiIndex.placeKernel(kernel, kernelShape, on: inputShape, centered: true, into: placed.pointer, stride: 2)
        try plan.forward(UnsafeMutableRawPointer(placed.pointer), UnsafeMutableRawPointer(kernelSpectrum.pointer))
    }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        try fine.with { blurred in
            try blur.apply(x, into: blurred)
            switch precision {
            case .double: decimate(Double.self, UnsafeRawPointer(blurred), y)
            case .single: decimate(Float.self, UnsafeRawPointer(blurred), y)
            }
        }
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        try fine.with { upsampled in
            switch precision {
            case .double: upsample(Double.self, y, upsampled)
            case .single: upsample(Float.self, y, upsampled)
            }
            try blur.applyAdjoint(UnsafeRawPointer(upsampled), into: x)
        }
    }

    /// Visits (high-resolution flat index, low-resolution flat index) of the kept samples.
    private func forEachKept(_ body: (Int, Int) -> Void) {
        let high = inputShape
        var low = 0
        MultiIndex.forEach(outputShape) { index in
            var h = 0
            for a in 0..<high.count { h = h * high[a] + index[a] * factor }
            body(h, low)
            low += 1
        }
    }

    private func decimate<T: BinaryFloatingPoint>(_: T.Type, _ fine: UnsafeRawPointer, _ coarse: UnsafeMutableRawPointer) {
        let f = fine.assumingMemoryBound(to: T.self), c = coarse.assumingMemoryBound(to: T.self)
        forEachKept { h, l in c[l] = f[h] }
    }

    private func upsample<T: BinaryFloatingPoint>(_: T.Type, _ coarse: UnsafeRawPointer, _ fine: UnsafeMutableRawPointer) {
        let f = fine.assumingMemoryBound(to: T.self), c = coarse.assumingMemoryBound(to: T.self)
        f.update(repeating: 0, count: inputCount)
        forEachKept { h, l in f[h] = c[l] }
    }

    override public var hasNormalSolve: Bool { true }

    override public func normalSolve(rho: Double, _ b: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        try solveWork.with { base in try solve(rho, b, x, base.assumingMemoryBound(to: Double.self)) }
    }

    /// The normal solve on `memory`: two complex grids, then the low-resolution sums.
    private func solve(_ rho: Double, _ b: UnsafeRawPointer, _ x: UnsafeMutableRawPointer,
                       _ memory: UnsafeMutablePointer<Double>) throws {
        let n = plan.count, lowCount = outputCount
        let work = memory, B = memory + 2 * n, num = B + 2 * n, den = num + 2 * lowCount
        num.update(repeating: 0, count: 3 * lowCount)
        for i in 0..<n {
            switch precision {
            case .double: work[2 * i] = b.assumingMemoryBound(to: Double.self)[i]
            case .single: work[2 * i] = Double(b.assumingMemoryBound(to: Float.self)[i])
            }
            work[2 * i + 1] = 0
        }
        try plan.forward(UnsafeMutableRawPointer(work), UnsafeMutableRawPointer(B))
        let K = kernelSpectrum.pointer
        let fold = 1 / Double(n / lowCount)
        for k in 0..<n {
            let q = lowIndex.pointer[k], kr = K[2 * k], ki = K[2 * k + 1], br = B[2 * k], bi = B[2 * k + 1]
            num[2 * q] += fold * (kr * br - ki * bi)
            num[2 * q + 1] += fold * (kr * bi + ki * br)
            den[q] += fold * (kr * kr + ki * ki)
        }
        for q in 0..<lowCount {
            let scale = 1 / (rho + den[q])
            num[2 * q] *= scale
            num[2 * q + 1] *= scale
        }
        for k in 0..<n {
            let q = lowIndex.pointer[k], kr = K[2 * k], ki = -K[2 * k + 1], wr = num[2 * q], wi = num[2 * q + 1]
            B[2 * k] = (B[2 * k] - (kr * wr - ki * wi)) / rho
            B[2 * k + 1] = (B[2 * k + 1] - (kr * wi + ki * wr)) / rho
        }
        try plan.backward(UnsafeMutableRawPointer(B), UnsafeMutableRawPointer(work))
        let inverse = 1 / Double(n)
        for i in 0..<n {
            let v = work[2 * i] * inverse
            switch precision {
            case .double: x.assumingMemoryBound(to: Double.self)[i] = v
            case .single: x.assumingMemoryBound(to: Float.self)[i] = Float(v)
            }
        }
    }
}
