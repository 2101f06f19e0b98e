#if canImport(Glibc)
import Glibc
#endif

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
    /// Per axis, the roll that centring applies: floor(n / 2), or 0 uncentred.
    private let shifts: [Int]
    /// Per output element j: mask(j) / sqrt(N) times the centring phase (below). Real when every
    /// phase is +-1 (uncentred, or all extents even), else complex (interleaved).
    private let weights: AlignedBuffer<UInt8>
    private let complexWeights: Bool
    /// Three complex images: the transform's input, its output, and a copy for unaligned arrays.
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
        shifts = shape.map { centered ? $0 / 2 : 0 }
        (weights, complexWeights) = try Self.outputWeights(shape, shifts: shifts, mask: maskValues, precision: precision)
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

    // The centred transform without permutation tables. numpy's ifftshift rolls each axis by
    // -h (h = floor(n / 2)), which the DFT turns into the phase e^{2 pi i k h / n} at frequency k,
    // and fftshift then rolls by +h. So output j is W(j) X(pi(j)), X the plain DFT and
    // pi(j) = (j - h) mod n per axis: a roll, which along the last axis is two contiguous runs.
    // For even n the phase is (-1)^k, so the weights stay real.

    /// Per axis, e^{2 pi i k h / n} for k < n, exact where it is +-1.
    private static func phases(_ n: Int, _ h: Int) -> [(Double, Double)] {
        (0..<n).map { k in
            let r = k * h % n
            if r == 0 { return (1, 0) }
            if 2 * r == n { return (-1, 0) }
            let angle = 2 * Double.pi * Double(r) / Double(n)
            return (cos(angle), sin(angle))
        }
    }

    /// W(j) = mask(j) / sqrt(N) times the product over axes of the phase at pi(j).
    private static func outputWeights(_ shape: [Int], shifts: [Int], mask: UnsafeBufferPointer<Double>?,
                                      precision: ScalarType.Precision) throws -> (AlignedBuffer<UInt8>, Bool) {
        let tables = zip(shape, shifts).map { phases($0, $1) }
        let complex = tables.contains { $0.contains { $0.1 != 0 } }
        let n = shape.reduce(1, *), components = complex ? 2 : 1
        let values = try AlignedBuffer<Double>(count: components * n)
        let scale = 1 / Double(n).squareRoot()
        var j = 0
        MultiIndex.forEach(shape) { index in
            var re = (mask?[j] ?? 1) * scale, im = 0.0
            for axis in 0..<shape.count {
                let (pr, pi) = tables[axis][(index[axis] - shifts[axis] + shape[axis]) % shape[axis]]
                (re, im) = (re * pr - im * pi, re * pi + im * pr)
            }
            values.pointer[components * j] = re
            if complex { values.pointer[2 * j + 1] = im }
            j += 1
        }
        return (try AlignedBuffer(reals: UnsafeBufferPointer(start: values.pointer, count: components * n),
                                  precision: precision), complex)
    }

    /// body(j, k, length) for the runs of output elements j..<j+length whose spectrum elements
    /// pi(j) are k..<k+length, over output rows (all axes but the last) in `rows`.
    @inline(__always)
    private func forEachRun(rows: Range<Int>, _ body: (Int, Int, Int) -> Void) {
        let rank = imageShape.count, last = imageShape[rank - 1], h = shifts[rank - 1]
        for r in rows {
            var rest = r, k = 0, stride = last
            for axis in (0..<(rank - 1)).reversed() {
                let e = imageShape[axis], i = rest % e
                rest /= e
                k += (i - shifts[axis] + e) % e * stride
                stride *= e
            }
            let j = r * last
            body(j + h, k, last - h)
            if h > 0 { body(j, k + last - h, h) }
        }
    }

    /// forEachRun over all rows, split between threads; `reals` is the work per element.
    @inline(__always)
    private func eachRun(reals: Int, _ body: @escaping (Int, Int, Int) -> Void) {
        let last = imageShape[imageShape.count - 1], rows = plan.count / last
        ParallelLoops.ranges(rows, work: reals * plan.count) { range in self.forEachRun(rows: range, body) }
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
        case .double: try withImages(Double.self) { a, b, c in try forward(Double.self, x, y, a, b, c) }
        case .single: try withImages(Float.self) { a, b, c in try forward(Float.self, x, y, a, b, c) }
        }
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        switch precision {
        case .double: try withImages(Double.self) { a, b, c in try adjoint(Double.self, y, x, a, b, c) }
        case .single: try withImages(Float.self) { a, b, c in try adjoint(Float.self, y, x, a, b, c) }
        }
    }

    override public var hasNormalSolve: Bool { coils == nil }

    /// Single coil: A^H A = F^H M F with F unitary, so x = F^H ((F b) / (M + rho)).
    override public func normalSolve(rho: Double, _ b: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        guard coils == nil else { return try super.normalSolve(rho: rho, b, into: x) }
        switch precision {
        case .double: try withImages(Double.self) { a, s, _ in try solve(Double.self, rho, b, x, a, s) }
        case .single: try withImages(Float.self) { a, s, _ in try solve(Float.self, rho, b, x, a, s) }
        }
    }

    /// The plain DFT of `source` into `spectrum`, through `copy` when FFTW cannot read `source`
    /// in place (alignment).
    private func transform<T>(_ source: UnsafeRawPointer, _ spectrum: UnsafeMutablePointer<T>, _ copy: UnsafeMutablePointer<T>) throws {
        var input = UnsafeMutableRawPointer(mutating: source)
        if !FFTPlan.isAligned(source) {
            copy.update(from: source.assumingMemoryBound(to: T.self), count: 2 * plan.count)
            input = UnsafeMutableRawPointer(copy)
        }
        // Out of place, FFTW's complex transforms leave their input as it was.
        try plan.forward(input, UnsafeMutableRawPointer(spectrum))
    }

    /// The unnormalised inverse DFT of `spectrum` (overwritten) into `target`, through `copy`
    /// when `target` is unaligned.
    private func inverse<T>(_ spectrum: UnsafeMutablePointer<T>, _ target: UnsafeMutableRawPointer, _ copy: UnsafeMutablePointer<T>) throws {
        if FFTPlan.isAligned(target) {
            try plan.backward(UnsafeMutableRawPointer(spectrum), target)
        } else {
            try plan.backward(UnsafeMutableRawPointer(spectrum), UnsafeMutableRawPointer(copy))
            target.assumingMemoryBound(to: T.self).update(from: copy, count: 2 * plan.count)
        }
    }

    /// A^H A = (1/N) F^H diag(M) F once the centring is undone (its phases cancel), and the
    /// spectrum element pi(j) carries mask(j).
    private func solve<T: BinaryFloatingPoint>(_: T.Type, _ rho: Double, _ b: UnsafeRawPointer, _ x: UnsafeMutableRawPointer,
                                               _ copy: UnsafeMutablePointer<T>, _ spectrum: UnsafeMutablePointer<T>) throws {
        try transform(b, spectrum, copy)
        let m = mask.map { UnsafeRawPointer($0.pointer).assumingMemoryBound(to: T.self) }
        let n = Double(plan.count)
        eachRun(reals: 3) { j, k, length in
            for t in 0..<length {
                let factor = T(1 / (n * (Double(m?[j + t] ?? 1) + rho)))
                spectrum[2 * (k + t)] *= factor
                spectrum[2 * (k + t) + 1] *= factor
            }
        }
        try inverse(spectrum, x, copy)
    }

    /// y_c = W . pi(F (s_c . x)) per coil.
    private func forward<T: BinaryFloatingPoint>(_: T.Type, _ source: UnsafeRawPointer, _ target: UnsafeMutableRawPointer,
                                                 _ a: UnsafeMutablePointer<T>, _ b: UnsafeMutablePointer<T>,
                                                 _ copy: UnsafeMutablePointer<T>) throws {
        let n = plan.count
        let x = source.assumingMemoryBound(to: T.self), y = target.assumingMemoryBound(to: T.self)
        let s = coils.map { UnsafeRawPointer($0.pointer).assumingMemoryBound(to: T.self) }
        for c in 0..<coilCount {
            if let s {
                let map = s + 2 * c * n
                ParallelLoops.ranges(n, work: 6 * n) { range in
                    for i in range {
                        let (sr, si, re, im) = (map[2 * i], map[2 * i + 1], x[2 * i], x[2 * i + 1])
                        a[2 * i] = sr * re - si * im
                        a[2 * i + 1] = sr * im + si * re
                    }
                }
                try transform(UnsafeRawPointer(a), b, copy)
            } else {
                try transform(source, b, copy)
            }
            weigh(T.self, b, into: y + 2 * c * n)
        }
    }

    /// x = sum_c conj(s_c) . F^H pi^-1(conj(W) . y_c).
    private func adjoint<T: BinaryFloatingPoint>(_: T.Type, _ source: UnsafeRawPointer, _ target: UnsafeMutableRawPointer,
                                                 _ a: UnsafeMutablePointer<T>, _ b: UnsafeMutablePointer<T>,
                                                 _ copy: UnsafeMutablePointer<T>) throws {
        let n = plan.count
        let y = source.assumingMemoryBound(to: T.self), x = target.assumingMemoryBound(to: T.self)
        guard let s = coils.map({ UnsafeRawPointer($0.pointer).assumingMemoryBound(to: T.self) }) else {
            unweigh(T.self, y, into: b)
            try inverse(b, target, copy)
            return
        }
        for c in 0..<coilCount {
            unweigh(T.self, y + 2 * c * n, into: b)
            try plan.backward(UnsafeMutableRawPointer(b), UnsafeMutableRawPointer(a))
            let map = s + 2 * c * n, first = c == 0
            ParallelLoops.ranges(n, work: 8 * n) { range in
                for i in range {
                    let (sr, si, re, im) = (map[2 * i], map[2 * i + 1], a[2 * i], a[2 * i + 1])
                    let (pr, pi) = (sr * re + si * im, sr * im - si * re)
                    x[2 * i] = first ? pr : x[2 * i] + pr
                    x[2 * i + 1] = first ? pi : x[2 * i + 1] + pi
                }
            }
        }
    }

    /// y(j) = W(j) spectrum(pi(j)).
    private func weigh<T: BinaryFloatingPoint>(_: T.Type, _ spectrum: UnsafeMutablePointer<T>, into y: UnsafeMutablePointer<T>) {
        weightedRuns(T.self, UnsafePointer(spectrum), y, adjoint: false)
    }

    /// spectrum(pi(j)) = conj(W(j)) y(j): the adjoint of `weigh`.
    private func unweigh<T: BinaryFloatingPoint>(_: T.Type, _ y: UnsafePointer<T>, into spectrum: UnsafeMutablePointer<T>) {
        weightedRuns(T.self, y, spectrum, adjoint: true)
    }

    /// One pass over the runs: forward reads the spectrum at pi(j) and writes y(j); adjoint reads
    /// y(j), multiplies by conj(W(j)) and writes the spectrum at pi(j).
    private func weightedRuns<T: BinaryFloatingPoint>(_: T.Type, _ source: UnsafePointer<T>, _ target: UnsafeMutablePointer<T>,
                                                      adjoint: Bool) {
        let w = UnsafeRawPointer(weights.pointer).assumingMemoryBound(to: T.self)
        let complex = complexWeights, sign: T = adjoint ? -1 : 1
        eachRun(reals: complex ? 6 : 5) { j, k, length in
            let (from, to) = adjoint ? (2 * j, 2 * k) : (2 * k, 2 * j)
            let i = source + from, o = target + to
            if complex {
                let v = w + 2 * j
                for t in 0..<length {
                    let (wr, wi, re, im) = (v[2 * t], sign * v[2 * t + 1], i[2 * t], i[2 * t + 1])
                    o[2 * t] = wr * re - wi * im
                    o[2 * t + 1] = wr * im + wi * re
                }
            } else {
                let v = w + j
                for t in 0..<length {
                    o[2 * t] = v[t] * i[2 * t]
                    o[2 * t + 1] = v[t] * i[2 * t + 1]
                }
            }
        }
    }
}
