/// Undersampled Fourier transform of 2-D or 3-D complex images: single-coil MRI, and multi-coil
/// SENSE with given coil sensitivity maps.
///
///   single coil:  y = M . F x                     (input shape S, output S)
///   SENSE:        y_c = M . F (s_c . x), c < C    (input S, output (C, S...))
///
/// F is the orthonormal DFT (1/sqrt(N) both ways, numpy's norm="ortho"). Centring: with
/// `centered` false, F = numpy.fft.fftn (DC at index 0); with `centered` true,
/// F = fftshift . fftn . ifftshift (image centre and DC both at index n // 2 per axis), the usual
/// MRI convention. M is a 0/1 sampling mask of shape S (Cartesian lines or any pattern); unsampled
/// entries of y are 0. The adjoint is the exact conjugate transpose.
public final class FourierOperator: LinearOperator {
    public let centered: Bool
    public let coilCount: Int
    private let plan: FFTPlan
    private let mask: AlignedBuffer<UInt8>?
    private let coils: AlignedBuffer<UInt8>?
    private let imageShape: [Int]
    private let fftshift: AlignedBuffer<Int>?
    private let ifftshift: AlignedBuffer<Int>?
    /// Three complex images: the transform's input and output, and a normal solve's spectrum.
    private let work: Workspace

    /// `mask`: nil for full sampling, else `count(shape)` values 0 or 1 with at least one 1.
    /// `coilMaps`: nil for one coil, else `coils * count(shape) * 2` reals (interleaved complex).
    public init(shape: [Int], maskValues: UnsafeBufferPointer<Double>?, coilValues coilMaps: UnsafeBufferPointer<Double>?,
                coils: Int, centered: Bool, precision: ScalarType.Precision) throws {
        guard shape.count == 2 || shape.count == 3 else {
            throw InverseKitError(.shape, "Invalid shape: the Fourier operator takes 2 or 3 dimensions, got \(shape.count)")
        }
        let type = ScalarType(precision: precision, complex: true)
        let count = try LinearOperator.count(shape, type, "image")
        if let maskValues {
            guard maskValues.count == count else {
                throw InverseKitError(.shape, "Invalid mask: expected \(count) values (shape \(shape)), got \(maskValues.count)")
            }
            if let bad = maskValues.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw InverseKitError(.invalidArgument, "Invalid mask: values must be 0 or 1, element \(bad) is \(maskValues[bad])")
            }
            guard maskValues.contains(1) else {
                throw InverseKitError(.invalidArgument, "Invalid mask: no sample is taken (all zeros)")
            }
        }
        if let coilMaps {
            guard coils >= 1 else { throw InverseKitError(.shape, "Invalid coil maps: need at least one coil") }
            guard coilMaps.count == coils * count * 2 else {
                throw InverseKitError(.shape, "Invalid coil maps: expected shape (\(coils), \(shape.map(String.init).joined(separator: ", ")))")
            }
            try requireFinite(coilMaps, "coil maps", components: 2)
        }
        plan = try FFTPlan(shape: shape, kind: .complex, precision: precision)
        self.mask = try maskValues.map { try AlignedBuffer(reals: $0, precision: precision) }
        self.coils = try coilMaps.map { try AlignedBuffer(reals: $0, precision: precision) }
        self.centered = centered
        self.coilCount = coilMaps == nil ? 1 : coils
        self.imageShape = shape
        (fftshift, ifftshift) = centered ? try Self.shiftPermutations(shape) : (nil, nil)
        work = try Workspace(bytes: 3 * Self.imageBytes(count, type))
        try super.init(inputShape: shape, outputShape: coilMaps == nil ? shape : [coils] + shape,
                       inputType: type, outputType: type)
    }

    /// The same from Swift arrays.
    public convenience init(shape: [Int], mask: [Double]?, coilMaps: [Double]?, coils: Int, centered: Bool,
                            precision: ScalarType.Precision) throws {
        let maskCopy = try mask.map { try AlignedBuffer(copying: $0) }
        let coilCopy = try coilMaps.map { try AlignedBuffer(copying: $0) }
        try self.init(shape: shape, maskValues: maskCopy?.buffer, coilValues: coilCopy?.buffer, coils: coils,
                      centered: centered, precision: precision)
    }

    override public var name: String { coilCount > 1 || coils != nil ? "SENSE" : "Fourier" }
    // A masked orthonormal transform has norm at most 1; SENSE is estimated.
    override public var analyticNormBound: Double? { coilCount > 1 || coils != nil ? nil : 1 }

    /// Single coil: every entry of the orthonormal DFT has modulus 1 / sqrt(N), so no row or column
    /// sum exceeds sqrt(N) (a bound too loose to precondition with, but a true one). SENSE: unknown.
    override public func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        guard coilCount <= 1, coils == nil else { return false }
        let bound = Double(inputCount).squareRoot() * (1 + 4 * precision.unitRoundoff)
        rows.update(repeating: bound, count: outputCount)
        columns.update(repeating: bound, count: inputCount)
        return true
    }

    /// One complex image's bytes, rounded up to whole cache lines.
    private static func imageBytes(_ count: Int, _ type: ScalarType) -> Int { (count * type.size + 63) / 64 * 64 }

    /// Runs `body` with the workspace's three images.
    private func withImages<T, R>(_: T.Type, _ body: (UnsafeMutablePointer<T>, UnsafeMutablePointer<T>,
                                                      UnsafeMutablePointer<T>) throws -> R) throws -> R {
        let stride = Self.imageBytes(plan.count, inputType)
        return try work.with { base in
            try body(base.assumingMemoryBound(to: T.self), (base + stride).assumingMemoryBound(to: T.self),
                     (base + 2 * stride).assumingMemoryBound(to: T.self))
        }
    }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        switch precision {
        case .double: try withImages(Double.self) { a, b, _ in run(Double.self, x, y, a, b, adjoint: false) }
        case .single: try withImages(Float.self) { a, b, _ in run(Float.self, x, y, a, b, adjoint: false) }
        }
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        switch precision {
        case .double: try withImages(Double.self) { a, b, _ in run(Double.self, y, x, a, b, adjoint: true) }
        case .single: try withImages(Float.self) { a, b, _ in run(Float.self, y, x, a, b, adjoint: true) }
        }
    }

    override public var hasNormalSolve: Bool { coils == nil }

    /// Single coil: A^H A = F^H M F with F unitary, so x = F^H ((F b) / (M + rho)).
    override public func normalSolve(rho: Double, _ b: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        guard coils == nil else { return try super.normalSolve(rho: rho, b, into: x) }
        switch precision {
        case .double: try solve(Double.self, rho, b, x)
        case .single: try solve(Float.self, rho, b, x)
        }
    }

    private func solve<T: BinaryFloatingPoint>(_: T.Type, _ rho: Double, _ b: UnsafeRawPointer,
                                               _ x: UnsafeMutableRawPointer) throws {
        let n = plan.count
        try withImages(T.self) { work, spectrum, k in
            run(T.self, b, UnsafeMutableRawPointer(k), work, spectrum, adjoint: false, masked: false)
            let m = mask.map { UnsafeRawPointer($0.pointer).assumingMemoryBound(to: T.self) }
            for j in 0..<n {
                let factor = 1 / ((m?[j] ?? 1) + T(rho))
                k[2 * j] *= factor
                k[2 * j + 1] *= factor
            }
            run(T.self, UnsafeRawPointer(k), x, work, spectrum, adjoint: true, masked: false)
        }
    }

    /// The transform (or its adjoint) with `a` and `b` as its two work images.
    private func run<T: BinaryFloatingPoint>(_: T.Type, _ source: UnsafeRawPointer, _ target: UnsafeMutableRawPointer,
                                             _ a: UnsafeMutablePointer<T>, _ b: UnsafeMutablePointer<T>,
                                             adjoint: Bool, masked: Bool = true) {
        let n = plan.count
        let scale = T(1 / Double(n).squareRoot())
        let m = masked ? mask.map { UnsafeRawPointer($0.pointer).assumingMemoryBound(to: T.self) } : nil
        let s = coils.map { UnsafeRawPointer($0.pointer).assumingMemoryBound(to: T.self) }
        let src = source.assumingMemoryBound(to: T.self), dst = target.assumingMemoryBound(to: T.self)
        if adjoint { dst.update(repeating: 0, count: 2 * n) }
        for c in 0..<coilCount {
            if !adjoint {
                // image (times coil map) -> shifted -> DFT -> shifted, masked, scaled
                for i in 0..<n {
                    var re = src[2 * i], im = src[2 * i + 1]
                    if let s {
                        let sr = s[2 * (c * n + i)], si = s[2 * (c * n + i) + 1]
                        (re, im) = (sr * re - si * im, sr * im + si * re)
                    }
                    let j = centered ? shifted(i, forward: false) : i
                    a[2 * j] = re
                    a[2 * j + 1] = im
                }
                plan.forward(UnsafeMutableRawPointer(a), UnsafeMutableRawPointer(b))
                let out = dst + 2 * c * n
                for i in 0..<n {
                    let j = centered ? shifted(i, forward: true) : i
                    let w = (m?[j] ?? 1) * scale
                    out[2 * j] = w * b[2 * i]
                    out[2 * j + 1] = w * b[2 * i + 1]
                }
            } else {
                // k-space -> masked, unshifted -> inverse DFT -> unshifted -> times conj(coil map), summed
                let input = src + 2 * c * n
                for j in 0..<n {
                    let i = centered ? shifted(j, forward: false) : j
                    let w = (m?[j] ?? 1) * scale
                    b[2 * i] = w * input[2 * j]
                    b[2 * i + 1] = w * input[2 * j + 1]
                }
                plan.backward(UnsafeMutableRawPointer(b), UnsafeMutableRawPointer(a))
                for i in 0..<n {
                    let j = centered ? shifted(i, forward: true) : i
                    var re = a[2 * i], im = a[2 * i + 1]
                    if let s {
                        let sr = s[2 * (c * n + j)], si = -s[2 * (c * n + j) + 1]
                        (re, im) = (sr * re - si * im, sr * im + si * re)
                    }
                    dst[2 * j] += re
                    dst[2 * j + 1] += im
                }
            }
        }
    }

    /// The flat index that element `i` moves to under fftshift (forward) or ifftshift (backward).
    @inline(__always)
    private func shifted(_ i: Int, forward: Bool) -> Int {
        forward ? fftshift!.pointer[i] : ifftshift!.pointer[i]
    }

    /// fftshift and ifftshift as permutations of flat indices (inverse of each other).
    private static func shiftPermutations(_ shape: [Int]) throws -> (AlignedBuffer<Int>, AlignedBuffer<Int>) {
        let n = shape.reduce(1, *)
        let forwardTable = try AlignedBuffer<Int>(count: n), backwardTable = try AlignedBuffer<Int>(count: n)
        let forward = forwardTable.pointer, backward = backwardTable.pointer
        for i in 0..<n {
            var rest = i, moved = 0, step = 1
            for axis in (0..<shape.count).reversed() {
                let extent = shape[axis]
                let k = rest % extent
                rest /= extent
                let half: Int = extent / 2
                moved += ((k + half) % extent) * step
                step *= extent
            }
            forward[i] = moved
            backward[moved] = i
        }
        return (forwardTable, backwardTable)
    }
}
