/// f(x) = TV_w(x) + the indicator of lower <= x <= upper: total variation (2-D or 3-D, isotropic
/// or anisotropic, per-pixel weights, see `TotalVariation`) as a functional. Scale it by lambda
/// with `ScaledFunctional`.
///
/// prox_{tau f} is TV denoising with lambda = tau, solved by the reusable `TVProx` to the object's
/// tolerance and warm-started from the previous call's dual; `lastInfo` is that solve's
/// certificate. prox_{sigma f*} follows from the Moreau identity. f* (the indicator of the set
/// {-div q : |q_i| <= w_i} plus the box's support function) has no cheap evaluation, so TV offers
/// no conjugate value; solvers certify TV problems through the TV dual instead.
///
/// Stateful: one call at a time.
public final class TVFunctional: Functional {
    private enum Engine {
        case single(TVProx<Float>, AlignedBuffer<Float>?)
        case double(TVProx<Double>, AlignedBuffer<Double>?)
    }
    private let engine: Engine
    private let input: AlignedBuffer<UInt8>
    public let grid: TVGrid
    public let options: TVOptions
    /// The statistics and certificate of the last prox.
    public private(set) var lastInfo = TVInfo()

    /// `options` supplies norm, tolerance, maxIterations, threads, checkInterval and the box (its
    /// lambda is ignored); `weights`: nil or one finite value >= 0 per pixel.
    public init(shape: [Int], type: ScalarType, options: TVOptions = TVOptions(),
                weights: UnsafeBufferPointer<Double>? = nil) throws {
        guard type.isReal else {
            throw InverseKitError(.unsupportedType, "Invalid dtype: TV works on real data, got \(type)")
        }
        grid = try TVGrid(shape: shape)
        if let weights {
            guard weights.count == grid.count else {
                throw InverseKitError(.shape, "Invalid weights: expected \(grid.count) elements, got \(weights.count)")
            }
            try requireFinite(weights, "weights")
        }
        var settings = options
        settings.lambda = 0
        switch type.precision {
        case .single:
            let w = try weights.map { values -> AlignedBuffer<Float> in
                let b = try AlignedBuffer<Float>(count: values.count)
                for (i, v) in values.enumerated() { b.pointer[i] = Float(v) }
                return b
            }
            engine = .single(try TVProx<Float>(shape: shape, options: settings, weights: w?.buffer), w)
        case .double:
            let w = try weights.map { try AlignedBuffer<Double>(copying: $0) }
            engine = .double(try TVProx<Double>(shape: shape, options: settings, weights: w?.buffer), w)
        }
        self.options = settings
        input = try AlignedBuffer(count: grid.count * type.size)
        try super.init(shape: shape, type: type, moreauScratch: true)
    }

    public convenience init(shape: [Int], type: ScalarType, options: TVOptions = TVOptions(), weights: [Double]) throws {
        let copy = try AlignedBuffer(copying: weights)
        try self.init(shape: shape, type: type, options: options, weights: copy.buffer)
    }

    override public var name: String { "total variation" }
    override public var capabilities: FunctionalCapabilities { [.value, .prox, .proxConjugate, .stateful] }

    override public func evaluate(_ x: UnsafeRawPointer) throws -> Double {
        switch engine {
        case .single(let prox, _): return try value(x.assumingMemoryBound(to: Float.self), prox)
        case .double(let prox, _): return try value(x.assumingMemoryBound(to: Double.self), prox)
        }
    }

    private func value<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, _ prox: TVProx<T>) throws -> Double {
        let values = UnsafeBufferPointer(start: x, count: grid.count)
        if let bad = values.first(where: { !(Double($0) >= options.lower && Double($0) <= options.upper) }) {
            return bad.isNaN ? .nan : .infinity
        }
        return try prox.value(values)
    }

    /// Whether per-pixel weights were given.
    package var isWeighted: Bool {
        switch engine {
        case .single(_, let w): return w != nil
        case .double(_, let w): return w != nil
        }
    }

    /// The dual q of the last prox_{tau f}(v) (shape (ndim, shape...), like the gradient's output;
    /// |q_i| <= tau w_i, and the prox is clip(v + div q) to the solve's accuracy) into `target`, in
    /// this functional's precision; false, writing nothing, before any prox.
    package func lastDual(into target: UnsafeMutableRawPointer) -> Bool {
        switch engine {
        case .single(let prox, _): return prox.copyDual(into: target.assumingMemoryBound(to: Float.self))
        case .double(let prox, _): return prox.copyDual(into: target.assumingMemoryBound(to: Double.self))
        }
    }

    /// Forgets the warm start: the next prox starts cold.
    public func reset() throws {
        try exclusive {
            switch engine {
            case .single(let prox, _): prox.reset()
            case .double(let prox, _): prox.reset()
            }
        }
    }

    override public func computeProx(_ v: UnsafeRawPointer, step tau: Double, into x: UnsafeMutableRawPointer) throws {
        // TVProx reads y while writing x: the input is copied first, so that x may be v.
        let y = UnsafeMutableRawPointer(input.pointer)
        y.copyMemory(from: v, byteCount: bytes)
        switch engine {
        case .single(let prox, _):
            lastInfo = try prox.apply(UnsafeBufferPointer(start: y.assumingMemoryBound(to: Float.self), count: count),
                                      lambda: tau,
                                      output: UnsafeMutableBufferPointer(start: x.assumingMemoryBound(to: Float.self), count: count))
        case .double(let prox, _):
            lastInfo = try prox.apply(UnsafeBufferPointer(start: y.assumingMemoryBound(to: Double.self), count: count),
                                      lambda: tau,
                                      output: UnsafeMutableBufferPointer(start: x.assumingMemoryBound(to: Double.self), count: count))
        }
    }
}
