/// Convolution of a real 1-, 2- or 3-D image with a point-spread function, through FFTW's
/// real-to-complex transforms (plans and the kernel's spectrum are made once, at creation), or,
/// when the kernel is an outer product of short 1-D taps, directly (`SeparableKernel`).
///
/// Boundaries:
///  * periodic: y = k (*) x circularly, output shape = image shape; the kernel's centre sits at index
///    shape(k) // 2 (scipy.ndimage.convolve(x, k, mode="wrap") for odd kernels).
///  * zero "same": the linear convolution with zeros outside the image, cropped to the image's shape
///    as scipy.signal.convolve(x, k, mode="same") does.
///  * zero "valid": only the outputs that need no padding, shape image - kernel + 1, as
///    scipy.signal.convolve(x, k, mode="valid").
public final class ConvolutionOperator: LinearOperator {
    public enum Boundary: Int32, Sendable { case periodic = 0, same = 1, valid = 2 }

    public let boundary: Boundary
    public let kernelShape: [Int]
    /// sum |k|, at least every row and column sum of |A| (rounding to the precision allowed for).
    package let kernelAbsoluteSum: Double
    private let plan: FFTPlan
    /// Kernel spectrum on the padded grid, interleaved complex in the operator's precision, with
    /// the 1 / N of the inverse transform folded in.
    private let spectrum: AlignedBuffer<UInt8>
    /// Where the output window starts in the full (padded) convolution.
    private let cropStart: [Int]
    private let origin: [Int]
    /// A spectrum, then a real grid (each 64-byte aligned): all an apply or a normal solve needs.
    private let work: Workspace
    /// Set when the kernel is an outer product of short 1-D taps: applied directly, axis by axis
    /// (the FFT path then serves only the normal solve).
    private let separable: SeparableKernel?

    /// `kernel`: row-major values of `kernelShape` (same rank as `shape`).
    public init(shape: [Int], kernel: UnsafeBufferPointer<Double>, kernelShape: [Int], boundary: Boundary,
                precision: ScalarType.Precision) throws {
        guard (1...3).contains(shape.count) else {
            throw InverseKitError(.shape, "Invalid shape: convolution takes 1, 2 or 3 dimensions, got \(shape.count)")
        }
        guard kernelShape.count == shape.count else {
            throw InverseKitError(.shape, "Invalid kernel: expected \(shape.count) dimensions like the image, got \(kernelShape.count)")
        }
        let kernelCount = try LinearOperator.count(kernelShape, .float64, "kernel")
        _ = try LinearOperator.count(shape, .float64, "image")
        guard kernel.count == kernelCount else {
            throw InverseKitError(.shape, "Invalid kernel: expected \(kernelCount) values, got \(kernel.count)")
        }
        try requireFinite(kernel, "kernel")
        var grid: [Int] = [], output: [Int] = [], start: [Int] = [], offsets: [Int] = []
        for (n, k) in zip(shape, kernelShape) {
            // Where output 0 reads the kernel's tap 0 from: y[i] = sum_a k[a] x[i + offset - a].
            offsets.append(boundary == .periodic ? k / 2 : boundary == .same ? (k - 1) / 2 : k - 1)
            switch boundary {
            case .periodic:
                guard k <= n else {
                    throw InverseKitError(.shape, "Invalid kernel: shape \(kernelShape) exceeds the image \(shape) (periodic)")
                }
                grid.append(n); output.append(n); start.append(0)
            case .same:
                grid.append(FFTPlan.fastSize(n + k - 1)); output.append(n); start.append((k - 1) / 2)
            case .valid:
                guard k <= n else {
                    throw InverseKitError(.shape, "Invalid kernel: shape \(kernelShape) exceeds the image \(shape) (valid)")
                }
                grid.append(FFTPlan.fastSize(n + k - 1)); output.append(n - k + 1); start.append(k - 1)
            }
        }
        self.boundary = boundary
        self.kernelShape = kernelShape
        kernelAbsoluteSum = kernel.reduce(0) { $0 + $1.magnitude } * (1 + 4 * precision.unitRoundoff)
        self.cropStart = start
        origin = [Int](repeating: 0, count: shape.count)
        plan = try FFTPlan(shape: grid, kind: .real, precision: precision)
        let type = ScalarType(precision: precision, complex: false)
        spectrum = try AlignedBuffer(count: plan.spectrumCount * 2 * type.size)
        work = try Workspace(bytes: Self.spectrumBytes(plan, type) + plan.count * type.size)
        separable = try SeparableKernel.detect(kernel, kernelShape, image: shape, output: output, offsets: offsets,
                                               periodic: boundary == .periodic, precision: precision)
        try super.init(inputShape: shape, outputShape: output, inputType: type, outputType: type)
        try makeSpectrum(kernel)
    }

    /// The same from a Swift array.
    public convenience init(shape: [Int], kernel: [Double], kernelShape: [Int], boundary: Boundary,
                            precision: ScalarType.Precision) throws {
        let values = try AlignedBuffer(copying: kernel)
        try self.init(shape: shape, kernel: values.buffer, kernelShape: kernelShape, boundary: boundary,
                      precision: precision)
    }

    override public var name: String { "convolution" }

    override public func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        rows.update(repeating: kernelAbsoluteSum, count: outputCount)
        columns.update(repeating: kernelAbsoluteSum, count: inputCount)
        return true
    }

    private var gridCount: Int { plan.count }

    private static func spectrumBytes(_ plan: FFTPlan, _ type: ScalarType) -> Int {
        (plan.spectrumCount * 2 * type.size + 63) / 64 * 64
    }

    /// Runs `body(spectrum, grid)` on the workspace.
    private func withWork<R>(_ body: (UnsafeMutableRawPointer, UnsafeMutableRawPointer) throws -> R) throws -> R {
        let offset = Self.spectrumBytes(plan, inputType)
        return try work.with { try body($0, $0 + offset) }
    }
    private var realSize: Int { inputType.size }

    /// Places the kernel on the grid (at the origin for linear convolution, wrapped around its
    /// centre for periodic) and stores its spectrum / N.
    private func makeSpectrum(_ kernel: UnsafeBufferPointer<Double>) throws {
        let grid = plan.shape
        let placed = try AlignedBuffer<Double>(repeating: 0, count: gridCount)
        MultiIndex.placeKernel(kernel, kernelShape, on: grid, centered: boundary == .periodic, into: placed.pointer)
        // Transform in double, then store in the operator's precision with 1/N folded in.
        let doublePlan = precision == .double ? plan : try FFTPlan(shape: grid, kind: .real, precision: .double)
        let out = try AlignedBuffer<Double>(count: 2 * doublePlan.spectrumCount)
        try doublePlan.forward(UnsafeMutableRawPointer(placed.pointer), UnsafeMutableRawPointer(out.pointer))
        let scale = 1 / Double(gridCount)
        let target = UnsafeMutableRawPointer(spectrum.pointer)
        switch precision {
        case .double:
            let s = target.assumingMemoryBound(to: Double.self)
            for i in 0..<(2 * plan.spectrumCount) { s[i] = out.pointer[i] * scale }
        case .single:
            let s = target.assumingMemoryBound(to: Float.self)
            for i in 0..<(2 * plan.spectrumCount) { s[i] = Float(out.pointer[i] * scale) }
        }
    }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        try transform(x, into: y, adjoint: false)
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        try transform(y, into: x, adjoint: true)
    }

    /// forward: embed x at the origin, multiply by K, crop the output window.
    /// adjoint: embed y at the output window, multiply by conj(K), crop at the origin.
    private func transform(_ source: UnsafeRawPointer, into target: UnsafeMutableRawPointer, adjoint: Bool) throws {
        if let separable { return try separable.apply(source, into: target, adjoint: adjoint) }
        try withWork { freq, grid in
            // Periodic arrays are the grid itself: transform straight from and to the caller's
            // buffers when FFTW may (r2c leaves its input intact).
            let direct = boundary == .periodic && FFTPlan.isAligned(source) && FFTPlan.isAligned(target)
            if direct {
                try plan.forward(UnsafeMutableRawPointer(mutating: source), freq)
                multiplySpectrum(freq, adjoint)
                try plan.backward(freq, target)
                return
            }
            // The inverse transform leaves the whole grid written: the padding is zeroed each time.
            grid.initializeMemory(as: UInt8.self, repeating: 0, count: gridCount * realSize)
            copyWindow(from: source, shape: adjoint ? outputShape : inputShape, into: grid,
                       at: adjoint ? cropStart : origin, toGrid: true)
            try plan.forward(grid, freq)
            multiplySpectrum(freq, adjoint)
            try plan.backward(freq, grid)
            copyWindow(from: UnsafeRawPointer(grid), shape: adjoint ? inputShape : outputShape, into: target,
                       at: adjoint ? origin : cropStart, toGrid: false)
        }
    }

    override public var hasNormalSolve: Bool { boundary == .periodic }

    /// Periodic only: x = F^-1 (F b / (|K|^2 + rho)).
    override public func normalSolve(rho: Double, _ b: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        guard boundary == .periodic else { return try super.normalSolve(rho: rho, b, into: x) }
        try withWork { freq, grid in
            grid.copyMemory(from: b, byteCount: gridCount * realSize)
            try plan.forward(grid, freq)
            let n = Double(gridCount)
            switch precision {
            case .double: Self.divide(Double.self, freq, UnsafeRawPointer(spectrum.pointer), plan.spectrumCount, n, rho)
            case .single: Self.divide(Float.self, freq, UnsafeRawPointer(spectrum.pointer), plan.spectrumCount, n, rho)
            }
            try plan.backward(freq, grid)
            x.copyMemory(from: grid, byteCount: gridCount * realSize)
        }
    }

    // The stored spectrum is K / N: |K|^2 = N^2 |s|^2; the inverse transform needs another 1 / N.
    private static func divide<T: BinaryFloatingPoint>(_: T.Type, _ freqRaw: UnsafeMutableRawPointer,
                                                       _ kernelRaw: UnsafeRawPointer, _ count: Int, _ n: Double,
                                                       _ rho: Double) {
        let f = freqRaw.assumingMemoryBound(to: T.self), k = kernelRaw.assumingMemoryBound(to: T.self)
        for i in 0..<count {
            let kr = Double(k[2 * i]) * n, ki = Double(k[2 * i + 1]) * n
            let factor = T(1 / ((kr * kr + ki * ki + rho) * n))
            f[2 * i] *= factor
            f[2 * i + 1] *= factor
        }
    }

    private func multiplySpectrum(_ freq: UnsafeMutableRawPointer, _ adjoint: Bool) {
        switch precision {
        case .double: Self.multiply(Double.self, freq, UnsafeRawPointer(spectrum.pointer), plan.spectrumCount, adjoint)
        case .single: Self.multiply(Float.self, freq, UnsafeRawPointer(spectrum.pointer), plan.spectrumCount, adjoint)
        }
    }

    private static func multiply<T: BinaryFloatingPoint>(_: T.Type, _ freqRaw: UnsafeMutableRawPointer,
                                                         _ kernelRaw: UnsafeRawPointer, _ n: Int, _ conjugate: Bool) {
        let f = freqRaw.assumingMemoryBound(to: T.self), k = kernelRaw.assumingMemoryBound(to: T.self)
        let sign: T = conjugate ? -1 : 1
        for i in 0..<n {
            let fr = f[2 * i], fi = f[2 * i + 1], kr = k[2 * i], ki = sign * k[2 * i + 1]
            f[2 * i] = fr * kr - fi * ki
            f[2 * i + 1] = fr * ki + fi * kr
        }
    }

    /// Copies an array of `shape` to (toGrid) or from the grid window starting at `origin`.
    private func copyWindow(from source: UnsafeRawPointer, shape: [Int], into target: UnsafeMutableRawPointer,
                            at origin: [Int], toGrid: Bool) {
        let grid = plan.shape, d = grid.count, size = realSize
        let rowLength = shape[d - 1]
        // The row's multi-index on the stack: applying allocates nothing.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: d) { index in
            index.initialize(repeating: 0)
            let rows = shape.dropLast().reduce(1, *)
            for r in 0..<rows {
                var gridFlat = 0
                for a in 0..<d { gridFlat = gridFlat * grid[a] + origin[a] + (a < d - 1 ? index[a] : 0) }
                let arrayFlat = r * rowLength
                if toGrid {
                    (target + gridFlat * size).copyMemory(from: source + arrayFlat * size, byteCount: rowLength * size)
                } else {
                    (target + arrayFlat * size).copyMemory(from: source + gridFlat * size, byteCount: rowLength * size)
                }
                var a = d - 2
                while a >= 0 {
                    index[a] += 1
                    if index[a] < shape[a] { break }
                    index[a] = 0
                    a -= 1
                }
            }
        }
    }
}
