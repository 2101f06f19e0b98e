import CInverseKitHeader
import InverseKit

// Thunks of the header's "Total variation" section.

@_cdecl("ik_tv_options_init")
public func ikTVOptionsInit(_ options: UnsafeMutablePointer<ik_tv_options>?) {
    guard let options else { return }
    options.pointee = tvOptionsDefaults()
}

@_cdecl("ik_tv_options_init_v2")
public func ikTVOptionsInitV2(_ options: UnsafeMutablePointer<ik_tv_options>?, _ size: UInt32) -> Int32 {
    initVersioned(options, size: size, defaults: tvOptionsDefaults(), name: "options")
}

private func tvOptionsDefaults() -> ik_tv_options {
    let defaults = TVOptions()
    var o = ik_tv_options()
    o.struct_size = UInt32(MemoryLayout<ik_tv_options>.size)
    o.norm = Int32(IK_TV_ISOTROPIC.rawValue)
    o.lambda = defaults.lambda
    o.tolerance = defaults.tolerance
    o.max_iterations = Int64(defaults.maxIterations)
    o.threads = Int32(defaults.threads)
    o.check_interval = Int32(defaults.checkInterval)
    o.lower = defaults.lower
    o.upper = defaults.upper
    o.weights = nil
    o.warm_start = 0
    return o
}

@_cdecl("ik_tv_info_init")
public func ikTVInfoInit(_ info: UnsafeMutablePointer<ik_tv_info>?) {
    guard let info else { return }
    var i = ik_tv_info()
    i.struct_size = UInt32(MemoryLayout<ik_tv_info>.size)
    info.pointee = i
}

@_cdecl("ik_tv_info_init_v2")
public func ikTVInfoInitV2(_ info: UnsafeMutablePointer<ik_tv_info>?, _ size: UInt32) -> Int32 {
    initVersioned(info, size: size, defaults: ik_tv_info(), name: "info")
}

@_cdecl("ik_tv_dual_shape")
public func ikTVDualShape(_ y: UnsafePointer<ik_array>?, _ outShape: UnsafeMutablePointer<Int64>?,
                          _ outNDim: UnsafeMutablePointer<Int32>?) -> Int32 {
    apiCall {
        let view = try ArrayView(y, name: "y")
        guard let outShape else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid out_shape: NULL") }
        guard let outNDim else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid out_ndim: NULL") }
        try view.require(ndim: 2...3)
        let grid = try gridOf(view)
        for (axis, extent) in grid.dualShape.enumerated() { outShape[axis] = Int64(extent) }
        outNDim.pointee = Int32(grid.dualShape.count)
    }
}

@_cdecl("ik_tv_value")
public func ikTVValue(_ x: UnsafePointer<ik_array>?, _ norm: Int32, _ weights: UnsafePointer<ik_array>?,
                      _ value: UnsafeMutablePointer<Double>?) -> Int32 {
    apiCall {
        let xView = try ArrayView(x, name: "x")
        guard let value else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid value: NULL") }
        try xView.require(ndim: 2...3)
        try xView.requireReal()
        let grid = try gridOf(xView)
        guard let tvNorm = TVNorm(rawValue: norm) else {
            throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid norm: expected IK_TV_ISOTROPIC (0) or IK_TV_ANISOTROPIC (1), got \(norm)")
        }
        let wView = try weights.map { try ArrayView($0, name: "weights") }
        if let wView {
            try wView.requireReal()
            try wView.require(shape: xView.shape)
        }
        let result: Double
        if xView.type == .float32 {
            result = try tvValue(Float.self, xView, wView, grid, tvNorm)
        } else {
            result = try tvValue(Double.self, xView, wView, grid, tvNorm)
        }
        value.pointee = result
    }
}

private func tvValue<T: BinaryFloatingPoint>(_: T.Type, _ x: ArrayView, _ w: ArrayView?, _ grid: TVGrid,
                                             _ norm: TVNorm) throws -> Double {
    let xs = try ContiguousReal<T>(x, direct: true, load: true)
    let ws = try w.map { try ContiguousReal<T>($0, direct: true, load: true) }
    defer { withExtendedLifetime((xs, ws)) {} } // the core sees only their buffers
    return try TotalVariation.value(UnsafeBufferPointer(xs.buffer), grid: grid, norm: norm,
                                    weights: ws.map { UnsafeBufferPointer($0.buffer) })
}

@_cdecl("ik_tv_denoise")
public func ikTVDenoise(_ y: UnsafePointer<ik_array>?, _ x: UnsafePointer<ik_array>?,
                        _ dual: UnsafePointer<ik_array>?, _ options: UnsafePointer<ik_tv_options>?,
                        _ info: UnsafeMutablePointer<ik_tv_info>?) -> Int32 {
    apiCall {
        let yView = try ArrayView(y, name: "y")
        let xView = try ArrayView(x, name: "x")
        try yView.require(ndim: 2...3)
        try yView.requireReal()
        let grid = try gridOf(yView)
        try xView.require(type: yView.type, sameAs: "y")
        try xView.require(shape: yView.shape)
        try xView.requireNonOverlapping()

        let parsed = try parseTVOptions(options, shape: yView.shape)
        let (settings, weights, warmStart) = (parsed.options, parsed.weights, parsed.warmStart)
        try checkInfo(info)
        let dualView = try dual.map { try ArrayView($0, name: "dual") }
        if let dualView {
            try dualView.require(type: yView.type, sameAs: "y")
            try dualView.require(shape: grid.dualShape)
            try dualView.requireNonOverlapping()
            if dualView.overlaps(yView) { throw CAPIError(IK_ERR_LAYOUT, "Invalid dual: overlaps y") }
            if dualView.overlaps(xView) { throw CAPIError(IK_ERR_LAYOUT, "Invalid dual: overlaps x") }
            if let weights, dualView.overlaps(weights) {
                throw CAPIError(IK_ERR_LAYOUT, "Invalid dual: overlaps weights")
            }
        } else if warmStart {
            throw CAPIError(IK_ERR_NULL_POINTER, "Invalid dual: options.warm_start is set but dual is NULL")
        }

        let result: TVInfo
        if yView.type == .float32 {
            result = try denoise(Float.self, yView, xView, dualView, weights, settings, warmStart, grid)
        } else {
            result = try denoise(Double.self, yView, xView, dualView, weights, settings, warmStart, grid)
        }
        writeInfo(result, to: info)
    }
}

/// Reads and validates an options struct (NULL means the defaults). Messages name the field.
func parseTVOptions(_ options: UnsafePointer<ik_tv_options>?, shape: [Int]) throws
    -> (options: TVOptions, weights: ArrayView?, warmStart: Bool) {
    var settings = TVOptions()
    var weights: ArrayView? = nil
    var warmStart = false
    if let options {
        let o = try readVersioned(options, defaults: tvOptionsDefaults(), name: "options")
        guard let norm = TVNorm(rawValue: o.norm) else {
            throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid options.norm: expected 0 or 1, got \(o.norm)")
        }
        guard let maxIterations = Int(exactly: o.max_iterations) else {
            throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid options.max_iterations: \(o.max_iterations)")
        }
        settings = TVOptions(lambda: o.lambda, norm: norm, tolerance: o.tolerance, maxIterations: maxIterations,
                             threads: Int(o.threads), checkInterval: Int(o.check_interval),
                             lower: o.lower, upper: o.upper)
        if let w = o.weights {
            let view = try ArrayView(w, name: "weights")
            try view.requireReal()
            try view.require(shape: shape)
            weights = view
        }
        warmStart = o.warm_start != 0
    }
    try creating { try settings.validate(field: { "options.\($0)" }) }
    return (settings, weights, warmStart)
}

/// An info struct, when given, must carry a struct_size this library knows.
func checkInfo(_ info: UnsafeMutablePointer<ik_tv_info>?) throws {
    if let info { _ = try versionedSize(info, ik_tv_info.self, name: "info") }
}

/// Writes `result` into a checked info struct, up to the caller's struct_size.
func writeInfo(_ result: TVInfo, to info: UnsafeMutablePointer<ik_tv_info>?) {
    guard let info, let size = try? versionedSize(info, ik_tv_info.self, name: "info") else { return }
    var i = ik_tv_info()
    i.converged = result.converged ? 1 : 0
    i.iterations = Int64(result.iterations)
    i.primal = result.primal
    i.dual = result.dual
    i.gap = result.gap
    i.relative_gap = result.relativeGap
    i.threads = Int32(result.threads)
    writeVersioned(i, to: info, size: size)
}

private func denoise<T: BinaryFloatingPoint>(
    _: T.Type, _ y: ArrayView, _ x: ArrayView, _ dual: ArrayView?, _ weights: ArrayView?,
    _ options: TVOptions, _ warmStart: Bool, _ grid: TVGrid
) throws -> TVInfo {
    // The core wants contiguous buffers and an x that overlaps nothing; the caller's memory is used
    // directly when it already qualifies, otherwise private copies are made.
    let ys = try ContiguousReal<T>(y, direct: true, load: true)
    let ws = try weights.map { try ContiguousReal<T>($0, direct: true, load: true) }
    let qs = try dual.map { try ContiguousReal<T>($0, direct: true, load: warmStart) }
    let xDirect = !x.overlaps(y) && !(weights.map { x.overlaps($0) } ?? false)
    let xs = try ContiguousReal<T>(x, direct: xDirect, load: false)
    defer { withExtendedLifetime((ys, ws)) {} } // the core sees only their buffers
    let info = try TotalVariation.denoise(UnsafeBufferPointer(ys.buffer), grid: grid,
                                          weights: ws.map { UnsafeBufferPointer($0.buffer) }, options: options,
                                          output: xs.buffer, dual: qs?.buffer, warmStart: warmStart)
    xs.writeBack()
    qs?.writeBack()
    return info
}

private func gridOf(_ view: ArrayView) throws -> TVGrid {
    try creating { try TVGrid(shape: view.shape, name: view.name) }
}
