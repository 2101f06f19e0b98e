import CInverseKitHeader
import InverseKit

// Thunks of the header's "TV proximal map as a reusable object" section.

/// What an ik_tv_prox* points at: the typed core object plus what the checks need.
final class TVProxHandle {
    enum Typed {
        case float32(TVProx<Float>)
        case float64(TVProx<Double>)
    }
    let typed: Typed
    let shape: [Int]
    let type: ElementType

    init(typed: Typed, shape: [Int], type: ElementType) {
        self.typed = typed
        self.shape = shape
        self.type = type
    }

    static func from(_ pointer: OpaquePointer?) throws -> TVProxHandle {
        guard let pointer else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid prox: NULL") }
        let object = Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
        guard let handle = object as? TVProxHandle else {
            throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid prox: not an ik_tv_prox handle")
        }
        return handle
    }
}

@_cdecl("ik_tv_prox_create")
public func ikTVProxCreate(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ndim: Int32,
                           _ shape: UnsafePointer<Int64>?, _ dtype: ik_dtype,
                           _ options: UnsafePointer<ik_tv_options>?) -> Int32 {
    apiCall {
        guard let out else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid out: NULL") }
        guard ndim == 2 || ndim == 3 else {
            throw CAPIError(IK_ERR_SHAPE, "Invalid ndim: expected 2 or 3 dimensions, got \(ndim)")
        }
        guard let shape else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid shape: NULL") }
        var extents: [Int] = []
        for axis in 0..<Int(ndim) {
            guard shape[axis] >= 1, let e = Int(exactly: shape[axis]) else {
                throw CAPIError(IK_ERR_SHAPE, "Invalid shape: extent of axis \(axis) must be >= 1, got \(shape[axis])")
            }
            extents.append(e)
        }
        let type: ElementType
        switch (Int32(dtype.code), dtype.bits, dtype.lanes) {
        case (Int32(IK_DTYPE_FLOAT.rawValue), 32, 1): type = .float32
        case (Int32(IK_DTYPE_FLOAT.rawValue), 64, 1): type = .float64
        default:
            throw CAPIError(IK_ERR_UNSUPPORTED_DTYPE,
                            "Invalid dtype: expected float32 or float64 (code 2, bits 32 or 64, lanes 1), got code \(dtype.code), bits \(dtype.bits), lanes \(dtype.lanes)")
        }
        do { _ = try TVGrid(shape: extents) } catch let e as InverseKitError {
            throw CAPIError(e.kind.status, "Invalid shape: \(e.message)")
        }
        let parsed = try parseTVOptions(options, shape: extents)
        let typed: TVProxHandle.Typed
        if type == .float32 {
            let w = try parsed.weights.map { try ContiguousReal<Float>($0, direct: true, load: true) }
            typed = .float32(try TVProx<Float>(shape: extents, options: parsed.options,
                                               weights: w.map { UnsafeBufferPointer($0.buffer) }))
        } else {
            let w = try parsed.weights.map { try ContiguousReal<Double>($0, direct: true, load: true) }
            typed = .float64(try TVProx<Double>(shape: extents, options: parsed.options,
                                                weights: w.map { UnsafeBufferPointer($0.buffer) }))
        }
        let handle = TVProxHandle(typed: typed, shape: extents, type: type)
        out.pointee = OpaquePointer(Unmanaged.passRetained(handle).toOpaque())
    }
}

@_cdecl("ik_tv_prox_apply")
public func ikTVProxApply(_ prox: OpaquePointer?, _ y: UnsafePointer<ik_array>?, _ lambda: Double,
                          _ x: UnsafePointer<ik_array>?, _ info: UnsafeMutablePointer<ik_tv_info>?) -> Int32 {
    apiCall {
        let handle = try TVProxHandle.from(prox)
        let yView = try ArrayView(y, name: "y")
        let xView = try ArrayView(x, name: "x")
        try yView.require(shape: handle.shape)
        try yView.require(type: handle.type, sameAs: "prox")
        try xView.require(shape: handle.shape)
        try xView.require(type: handle.type, sameAs: "prox")
        try xView.requireNonOverlapping()
        try checkInfo(info)
        let result: TVInfo
        switch handle.typed {
        case .float32(let p): result = try apply(p, yView, xView, lambda)
        case .float64(let p): result = try apply(p, yView, xView, lambda)
        }
        writeInfo(result, to: info)
    }
}

private func apply<T: BinaryFloatingPoint>(_ prox: TVProx<T>, _ y: ArrayView, _ x: ArrayView,
                                           _ lambda: Double) throws -> TVInfo {
    let ys = try ContiguousReal<T>(y, direct: true, load: true)
    let xs = try ContiguousReal<T>(x, direct: !x.overlaps(y), load: false)
    let info = try prox.apply(UnsafeBufferPointer(ys.buffer), lambda: lambda, output: xs.buffer)
    xs.writeBack()
    return info
}

@_cdecl("ik_tv_prox_reset")
public func ikTVProxReset(_ prox: OpaquePointer?) -> Int32 {
    apiCall {
        switch try TVProxHandle.from(prox).typed {
        case .float32(let p): p.reset()
        case .float64(let p): p.reset()
        }
    }
}

@_cdecl("ik_tv_prox_destroy")
public func ikTVProxDestroy(_ prox: OpaquePointer?) {
    guard let prox else { return }
    let object = Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer(prox))
    guard object.takeUnretainedValue() is TVProxHandle else { return } // not ours to release
    object.release()
}
