import CInverseKitHeader
import InverseKit

// Thunks of the header's experimental "Functionals" section. An ik_functional* is a retained
// Functional.

func functionalFrom(_ pointer: OpaquePointer?, _ name: String = "f") throws -> Functional {
    try handle(pointer, as: Functional.self, name: name, kind: "functional", type: "ik_functional")
}

private func createFunctional(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ build: () throws -> Functional) -> Int32 {
    createHandle(out, build)
}

/// An optional real array of `shape` (weights, background), read as Doubles.
private func optionalReals(_ array: UnsafePointer<ik_array>?, _ name: String, shape: [Int]) throws -> AlignedBuffer<Double>? {
    guard array != nil else { return nil }
    let view = try ArrayView(array, name: name)
    try view.require(shape: shape)
    try view.requireReal()
    return try readReals(view)
}

// MARK: Creation

@_cdecl("ik_functional_create_l1")
public func ikFunctionalCreateL1(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ndim: Int32, _ shape: UnsafePointer<Int64>?,
                                 _ dtype: ik_dtype, _ weights: UnsafePointer<ik_array>?) -> Int32 {
    createFunctional(out) {
        let extents = try parseShape(ndim, shape, "shape")
        let type = try parseDType(dtype, "dtype")
        let w = try optionalReals(weights, "weights", shape: extents)
        return try L1Norm(shape: extents, type: type, weights: w?.buffer)
    }
}

@_cdecl("ik_functional_create_squared_l2")
public func ikFunctionalCreateSquaredL2(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ndim: Int32,
                                        _ shape: UnsafePointer<Int64>?, _ dtype: ik_dtype) -> Int32 {
    createFunctional(out) {
        try SquaredL2Norm(shape: try parseShape(ndim, shape, "shape"), type: try parseDType(dtype, "dtype"))
    }
}

@_cdecl("ik_functional_create_group_l21")
public func ikFunctionalCreateGroupL21(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ndim: Int32,
                                       _ shape: UnsafePointer<Int64>?, _ dtype: ik_dtype, _ axis: Int32) -> Int32 {
    createFunctional(out) {
        try GroupL21Norm(shape: try parseShape(ndim, shape, "shape"), type: try parseDType(dtype, "dtype"), axis: Int(axis))
    }
}

@_cdecl("ik_functional_create_box")
public func ikFunctionalCreateBox(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ndim: Int32, _ shape: UnsafePointer<Int64>?,
                                  _ dtype: ik_dtype, _ lower: Double, _ upper: Double) -> Int32 {
    createFunctional(out) {
        try BoxIndicator(shape: try parseShape(ndim, shape, "shape"), type: try parseDType(dtype, "dtype", realOnly: true),
                         lower: lower, upper: upper)
    }
}

@_cdecl("ik_functional_create_nonnegative")
public func ikFunctionalCreateNonnegative(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ndim: Int32,
                                          _ shape: UnsafePointer<Int64>?, _ dtype: ik_dtype) -> Int32 {
    createFunctional(out) {
        try BoxIndicator(nonnegativeShape: try parseShape(ndim, shape, "shape"),
                         type: try parseDType(dtype, "dtype", realOnly: true))
    }
}

@_cdecl("ik_functional_create_l2_ball")
public func ikFunctionalCreateL2Ball(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ centre: UnsafePointer<ik_array>?,
                                     _ radius: Double) -> Int32 {
    createFunctional(out) {
        let view = try ArrayView(centre, name: "centre")
        try view.require(ndim: 1...Int(IK_MAX_NDIM))
        let values = try readReals(view)
        return try L2BallIndicator(centre: values.buffer, shape: view.shape, type: view.type, radius: radius)
    }
}

@_cdecl("ik_functional_create_kl")
public func ikFunctionalCreateKL(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ counts: UnsafePointer<ik_array>?,
                                 _ background: UnsafePointer<ik_array>?) -> Int32 {
    createFunctional(out) {
        let view = try ArrayView(counts, name: "counts")
        try view.require(ndim: 1...Int(IK_MAX_NDIM))
        try view.requireReal()
        let y = try readReals(view)
        let b = try optionalReals(background, "background", shape: view.shape)
        return try KullbackLeibler(counts: y.buffer, background: b?.buffer, shape: view.shape, type: view.type)
    }
}

@_cdecl("ik_functional_create_least_squares")
public func ikFunctionalCreateLeastSquares(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ op: OpaquePointer?,
                                           _ data: UnsafePointer<ik_array>?, _ weights: UnsafePointer<ik_array>?) -> Int32 {
    createFunctional(out) {
        let a = try operatorFrom(op)
        var y: AlignedBuffer<Double>? = nil
        if data != nil {
            let view = try ArrayView(data, name: "data")
            try view.require(shape: a.outputShape)
            try requireType(view, a.outputType)
            y = try readReals(view)
        }
        var w: AlignedBuffer<Double>? = nil
        if weights != nil {
            let view = try ArrayView(weights, name: "weights")
            try view.require(shape: a.outputShape)
            try requireType(view, a.outputType.real)
            w = try readReals(view)
        }
        return try LeastSquares(operator: a, data: y?.buffer, weights: w?.buffer)
    }
}

@_cdecl("ik_functional_create_tikhonov")
public func ikFunctionalCreateTikhonov(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ op: OpaquePointer?) -> Int32 {
    createFunctional(out) { try LeastSquares(tikhonov: try operatorFrom(op)) }
}

@_cdecl("ik_functional_create_tv")
public func ikFunctionalCreateTV(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ndim: Int32, _ shape: UnsafePointer<Int64>?,
                                 _ dtype: ik_dtype, _ options: UnsafePointer<ik_tv_options>?) -> Int32 {
    createFunctional(out) {
        let extents = try parseShape(ndim, shape, "shape", allowed: 2...3)
        let type = try parseDType(dtype, "dtype", realOnly: true)
        let parsed = try parseTVOptions(options, shape: extents)
        let w = try parsed.weights.map { view -> AlignedBuffer<Double> in
            try view.requireReal()
            return try readReals(view)
        }
        return try TVFunctional(shape: extents, type: type, options: parsed.options, weights: w?.buffer)
    }
}

@_cdecl("ik_functional_create_scaled")
public func ikFunctionalCreateScaled(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ f: OpaquePointer?,
                                     _ scale: Double) -> Int32 {
    createFunctional(out) { try ScaledFunctional(try functionalFrom(f), scale: scale) }
}

@_cdecl("ik_functional_create_translated")
public func ikFunctionalCreateTranslated(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ f: OpaquePointer?,
                                         _ offset: UnsafePointer<ik_array>?) -> Int32 {
    createFunctional(out) {
        let base = try functionalFrom(f)
        let view = try ArrayView(offset, name: "offset")
        try view.require(shape: base.shape)
        try requireType(view, base.type)
        let values = try readReals(view)
        return try TranslatedFunctional(base, offset: values.buffer)
    }
}

@_cdecl("ik_functional_create_composed")
public func ikFunctionalCreateComposed(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ f: OpaquePointer?,
                                       _ op: OpaquePointer?) -> Int32 {
    createFunctional(out) { try ComposedFunctional(try functionalFrom(f), operator: try operatorFrom(op)) }
}

@_cdecl("ik_functional_create_separable_sum")
public func ikFunctionalCreateSeparableSum(_ out: UnsafeMutablePointer<OpaquePointer?>?,
                                           _ terms: UnsafePointer<OpaquePointer?>?, _ count: Int32) -> Int32 {
    createFunctional(out) {
        guard count >= 1 else { throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid count: expected >= 1, got \(count)") }
        guard let terms else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid terms: NULL") }
        // Every entry is checked before the list is made (a huge count with a short array stops at
        // the first bad entry only if the caller's memory allows reading it: the count is the
        // caller's promise, as for operator lists).
        try AlignedBuffer<UInt8>.requireAllocatable(bytes: Int(count) * 16)
        var parts: [Functional] = []
        for i in 0..<Int(count) { parts.append(try functionalFrom(terms[i], "terms[\(i)]")) }
        return try SeparableSum(parts)
    }
}

// MARK: Queries

@_cdecl("ik_functional_capabilities")
public func ikFunctionalCapabilities(_ f: OpaquePointer?, _ capabilities: UnsafeMutablePointer<UInt32>?) -> Int32 {
    apiCall {
        let functional = try functionalFrom(f)
        try requireOutput(capabilities, "capabilities").pointee = functional.capabilities.rawValue
    }
}

@_cdecl("ik_functional_shape")
public func ikFunctionalShape(_ f: OpaquePointer?, _ shape: UnsafeMutablePointer<Int64>?, _ ndim: UnsafeMutablePointer<Int32>?,
                              _ dtype: UnsafeMutablePointer<ik_dtype>?) -> Int32 {
    apiCall {
        let functional = try functionalFrom(f)
        try writeShape(functional.shape, functional.type, shape, ndim, dtype)
    }
}

@_cdecl("ik_functional_constants")
public func ikFunctionalConstants(_ f: OpaquePointer?, _ lipschitz: UnsafeMutablePointer<Double>?,
                                  _ strongConvexity: UnsafeMutablePointer<Double>?) -> Int32 {
    apiCall {
        let functional = try functionalFrom(f)
        lipschitz?.pointee = functional.capabilities.contains(.lipschitz) ? functional.gradientLipschitz : .infinity
        strongConvexity?.pointee = functional.capabilities.contains(.stronglyConvex) ? functional.strongConvexity : 0
    }
}

// MARK: Evaluation

private func scalar(_ f: OpaquePointer?, _ x: UnsafePointer<ik_array>?, _ name: String, _ out: UnsafeMutablePointer<Double>?,
                    _ outName: String, _ body: (Functional, UnsafeRawPointer) throws -> Double) -> Int32 {
    apiCall {
        let functional = try functionalFrom(f)
        let out = try requireOutput(out, outName)
        let result = try readArray(x, name, functional.shape, functional.type) { try body(functional, $0) }
        out.pointee = result
    }
}

@_cdecl("ik_functional_value")
public func ikFunctionalValue(_ f: OpaquePointer?, _ x: UnsafePointer<ik_array>?, _ value: UnsafeMutablePointer<Double>?) -> Int32 {
    scalar(f, x, "x", value, "value") { try $0.value($1) }
}

@_cdecl("ik_functional_conjugate_value")
public func ikFunctionalConjugateValue(_ f: OpaquePointer?, _ s: UnsafePointer<ik_array>?,
                                       _ value: UnsafeMutablePointer<Double>?) -> Int32 {
    scalar(f, s, "s", value, "value") { try $0.conjugateValue($1) }
}

@_cdecl("ik_functional_dual_scale")
public func ikFunctionalDualScale(_ f: OpaquePointer?, _ s: UnsafePointer<ik_array>?,
                                  _ scale: UnsafeMutablePointer<Double>?) -> Int32 {
    scalar(f, s, "s", scale, "scale") { try $0.dualScale($1) }
}

private func map(_ f: OpaquePointer?, _ a: UnsafePointer<ik_array>?, _ aName: String, _ b: UnsafePointer<ik_array>?,
                 _ bName: String, _ body: (Functional, UnsafeRawPointer, UnsafeMutableRawPointer) throws -> Void) -> Int32 {
    apiCall {
        let functional = try functionalFrom(f)
        // Stateful functionals run iterations and user operators: they may fail after writing.
        let midway = functional.capabilities.contains(.stateful)
        try mapArray(canFailMidway: midway, a, aName, functional.shape, functional.type, b, bName, functional.shape,
                     functional.type) { try body(functional, $0, $1) }
    }
}

@_cdecl("ik_functional_gradient")
public func ikFunctionalGradient(_ f: OpaquePointer?, _ x: UnsafePointer<ik_array>?, _ g: UnsafePointer<ik_array>?) -> Int32 {
    map(f, x, "x", g, "g") { try $0.gradient($1, into: $2) }
}

@_cdecl("ik_functional_prox")
public func ikFunctionalProx(_ f: OpaquePointer?, _ v: UnsafePointer<ik_array>?, _ tau: Double,
                             _ x: UnsafePointer<ik_array>?) -> Int32 {
    map(f, v, "v", x, "x") { try $0.prox($1, step: tau, into: $2) }
}

@_cdecl("ik_functional_prox_conjugate")
public func ikFunctionalProxConjugate(_ f: OpaquePointer?, _ v: UnsafePointer<ik_array>?, _ sigma: Double,
                                      _ s: UnsafePointer<ik_array>?) -> Int32 {
    map(f, v, "v", s, "s") { try $0.proxConjugate($1, step: sigma, into: $2) }
}

@_cdecl("ik_functional_tv_info")
public func ikFunctionalTVInfo(_ f: OpaquePointer?, _ info: UnsafeMutablePointer<ik_tv_info>?) -> Int32 {
    apiCall {
        var functional = try functionalFrom(f)
        guard info != nil else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid info: NULL") }
        try checkInfo(info)
        while true {
            if let tv = functional as? TVFunctional {
                writeInfo(tv.lastInfo, to: info)
                return
            } else if let scaled = functional as? ScaledFunctional {
                functional = scaled.base
            } else if let translated = functional as? TranslatedFunctional {
                functional = translated.base
            } else {
                throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid f: \(functional.name) is not a TV functional")
            }
        }
    }
}

// MARK: Checks

@_cdecl("ik_functional_check_report_init")
public func ikFunctionalCheckReportInit(_ report: UnsafeMutablePointer<ik_functional_check_report>?) {
    guard let report else { return }
    report.pointee = ik_functional_check_report(struct_size: UInt32(MemoryLayout<ik_functional_check_report>.size),
                                                moreau: .nan, prox_optimality: .nan, fenchel_young: .nan, gradient: .nan)
}

@_cdecl("ik_functional_check_report_init_v2")
public func ikFunctionalCheckReportInitV2(_ report: UnsafeMutablePointer<ik_functional_check_report>?, _ size: UInt32) -> Int32 {
    initVersioned(report, size: size, defaults: ik_functional_check_report(struct_size: 0, moreau: .nan, prox_optimality: .nan,
                                                                          fenchel_young: .nan, gradient: .nan), name: "report")
}

@_cdecl("ik_functional_check")
public func ikFunctionalCheck(_ f: OpaquePointer?, _ seed: UInt64, _ tau: Double,
                              _ report: UnsafeMutablePointer<ik_functional_check_report>?) -> Int32 {
    apiCall {
        let functional = try functionalFrom(f)
        let out = try requireOutput(report, "report")
        let size = try versionedSize(out, ik_functional_check_report.self, name: "report")
        let result = try functional.check(seed: seed, step: tau)
        writeVersioned(ik_functional_check_report(struct_size: 0, moreau: result.moreau ?? .nan,
                                                  prox_optimality: result.proxOptimality ?? .nan,
                                                  fenchel_young: result.fenchelYoung ?? .nan,
                                                  gradient: result.gradient ?? .nan), to: out, size: size)
    }
}

@_cdecl("ik_functional_destroy")
public func ikFunctionalDestroy(_ f: OpaquePointer?) {
    releaseHandle(f, as: Functional.self)
}
