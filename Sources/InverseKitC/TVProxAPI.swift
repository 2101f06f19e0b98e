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
        try handle(pointer, as: TVProxHandle.self, name: "prox", kind: "prox object", type: "ik_tv_prox")
    }
}

@_cdecl("ik_tv_prox_create")
public func ikTVProxCreate(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ndim: Int32,
                           _ shape: UnsafePointer<Int64>?, _ dtype: ik_dtype,
                           _ options: UnsafePointer<ik_tv_options>?) -> Int32 {
    apiCall {
        let out = try requireOut(out)
        let extents = try parseShape(ndim, shape, "shape", allowed: 2...3)
        let type = try parseDType(dtype, "dtype", realOnly: true)
        _ = try creating { try TVGrid(shape: extents, name: "shape") }
        let parsed = try parseTVOptions(options, shape: extents)
        let typed: TVProxHandle.Typed
        if type == .float32 {
            let w = try parsed.weights.map { try ContiguousReal<Float>($0, direct: true, load: true) }
            defer { withExtendedLifetime(w) {} } // copied by the prox, seen only as a buffer
            typed = .float32(try TVProx<Float>(shape: extents, options: parsed.options,
                                               weights: w.map { UnsafeBufferPointer($0.buffer) }))
        } else {
            let w = try parsed.weights.map { try ContiguousReal<Double>($0, direct: true, load: true) }
            defer { withExtendedLifetime(w) {} } // copied by the prox, seen only as a buffer
            typed = .float64(try TVProx<Double>(shape: extents, options: parsed.options,
                                                weights: w.map { UnsafeBufferPointer($0.buffer) }))
        }
        storeHandle(TVProxHandle(typed: typed, shape: extents, type: type), out)
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
    defer { withExtendedLifetime(ys) {} } // the core sees only its buffer
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
    releaseHandle(prox, as: TVProxHandle.self)
}
