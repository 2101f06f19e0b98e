import CInverseKitHeader
import InverseKit

// Thunks of the header's "Linear operators" section. An ik_linop* is a retained LinearOperator.

// MARK: Handles

func operatorFrom(_ pointer: OpaquePointer?, _ name: String = "op") throws -> LinearOperator {
    try handle(pointer, as: LinearOperator.self, name: name, kind: "operator", type: "ik_linop")
}

/// The body of every ik_linop_create_*.
func createOperator(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ build: () throws -> LinearOperator) -> Int32 {
    createHandle(out, build)
}

// MARK: Creation

@_cdecl("ik_linop_create_identity")
public func ikLinopCreateIdentity(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ndim: Int32,
                                  _ shape: UnsafePointer<Int64>?, _ dtype: ik_dtype) -> Int32 {
    createOperator(out) {
        try IdentityOperator(shape: try parseShape(ndim, shape, "shape"), type: try parseDType(dtype, "dtype"))
    }
}

@_cdecl("ik_linop_create_scaling")
public func ikLinopCreateScaling(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ndim: Int32,
                                 _ shape: UnsafePointer<Int64>?, _ dtype: ik_dtype, _ scale: Double) -> Int32 {
    createOperator(out) {
        try ScalingOperator(shape: try parseShape(ndim, shape, "shape"), type: try parseDType(dtype, "dtype"), scale: scale)
    }
}

@_cdecl("ik_linop_create_diagonal")
public func ikLinopCreateDiagonal(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ diagonal: UnsafePointer<ik_array>?,
                                  _ dtype: ik_dtype) -> Int32 {
    createOperator(out) {
        let view = try ArrayView(diagonal, name: "diagonal")
        try view.require(ndim: 1...Int(IK_MAX_NDIM))
        let type = try parseDType(dtype, "dtype")
        try requireSamePrecision(view, type)
        let values = try readReals(view)
        return try DiagonalOperator(shape: view.shape, diagonal: values.buffer, diagonalType: view.type, dataType: type)
    }
}

@_cdecl("ik_linop_create_mask")
public func ikLinopCreateMask(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ mask: UnsafePointer<ik_array>?,
                              _ dtype: ik_dtype) -> Int32 {
    createOperator(out) {
        let view = try ArrayView(mask, name: "mask")
        try view.require(ndim: 1...Int(IK_MAX_NDIM))
        try view.requireReal()
        let type = try parseDType(dtype, "dtype")
        try requireSamePrecision(view, type)
        let values = try readReals(view)
        return try DiagonalOperator(shape: view.shape, mask: values.buffer, dataType: type)
    }
}

@_cdecl("ik_linop_create_gradient")
public func ikLinopCreateGradient(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ndim: Int32,
                                  _ shape: UnsafePointer<Int64>?, _ dtype: ik_dtype) -> Int32 {
    createOperator(out) {
        try GradientOperator(shape: try parseShape(ndim, shape, "shape", allowed: 1...3), type: try parseDType(dtype, "dtype"))
    }
}

@_cdecl("ik_linop_create_divergence")
public func ikLinopCreateDivergence(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ndim: Int32,
                                    _ shape: UnsafePointer<Int64>?, _ dtype: ik_dtype) -> Int32 {
    createOperator(out) {
        try DivergenceOperator(shape: try parseShape(ndim, shape, "shape", allowed: 1...3), type: try parseDType(dtype, "dtype"))
    }
}

@_cdecl("ik_linop_create_matrix")
public func ikLinopCreateMatrix(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ matrix: UnsafePointer<ik_array>?) -> Int32 {
    createOperator(out) {
        let view = try ArrayView(matrix, name: "matrix")
        try view.require(ndim: 2...2)
        let entries = try readReals(view)
        return try DenseMatrixOperator(rows: view.shape[0], columns: view.shape[1], entries: entries.buffer, type: view.type)
    }
}

@_cdecl("ik_linop_create_csr")
public func ikLinopCreateCSR(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ rows: Int64, _ columns: Int64,
                             _ indptr: UnsafePointer<Int64>?, _ indices: UnsafePointer<Int64>?,
                             _ values: UnsafePointer<ik_array>?) -> Int32 {
    createOperator(out) {
        guard rows >= 1, columns >= 1, let m = Int(exactly: rows), let n = Int(exactly: columns) else {
            throw CAPIError(IK_ERR_SHAPE, "Invalid shape: rows and columns must be >= 1, got (\(rows), \(columns))")
        }
        let view = try ArrayView(values, name: "values")
        try view.require(ndim: 1...1)
        guard let indptr else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid indptr: NULL") }
        guard m < 1 << 31, n < 1 << 31 else {
            throw CAPIError(IK_ERR_OVERFLOW, "Invalid shape: rows and columns must be below 2^31, got (\(rows), \(columns))")
        }
        let nnz = view.shape[0]
        guard indptr[m] == Int64(nnz) else {
            throw CAPIError(IK_ERR_SHAPE, "Invalid values: indptr[rows] = \(indptr[m]) but values has \(nnz) entries")
        }
        guard nnz == 0 || indices != nil else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid indices: NULL") }
        // Int64 and Int are one type on the 64-bit platforms the library builds for: the caller's
        // index arrays are read in place (the operator copies them).
        let pointers = UnsafeRawPointer(indptr).bindMemory(to: Int.self, capacity: m + 1)
        let columnsOf = indices.map { UnsafeRawPointer($0).bindMemory(to: Int.self, capacity: nnz) }
        let entries = try readReals(view)
        return try SparseCSROperator(rows: m, columns: n, indptr: UnsafeBufferPointer(start: pointers, count: m + 1),
                                     indices: UnsafeBufferPointer(start: columnsOf, count: nnz), values: entries.buffer,
                                     type: view.type)
    }
}

@_cdecl("ik_linop_create_callback")
public func ikLinopCreateCallback(
    _ out: UnsafeMutablePointer<OpaquePointer?>?, _ inputNDim: Int32, _ inputShape: UnsafePointer<Int64>?,
    _ inputDType: ik_dtype, _ outputNDim: Int32, _ outputShape: UnsafePointer<Int64>?, _ outputDType: ik_dtype,
    _ apply: ik_linop_function?, _ adjoint: ik_linop_function?, _ userData: UnsafeMutableRawPointer?,
    _ release: ik_release_function?
) -> Int32 {
    createOperator(out) {
        let inShape = try parseShape(inputNDim, inputShape, "input_shape")
        let outShape = try parseShape(outputNDim, outputShape, "output_shape")
        let inType = try parseDType(inputDType, "input_dtype")
        let outType = try parseDType(outputDType, "output_dtype")
        guard let apply else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid apply: NULL function") }
        guard let adjoint else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid adjoint: NULL function") }
        let user = userData
        let forward = UserFunction(function: apply, name: "apply", user: user, input: (inShape, inType), output: (outShape, outType))
        let backward = UserFunction(function: adjoint, name: "adjoint", user: user, input: (outShape, outType), output: (inShape, inType))
        return try CallbackOperator(inputShape: inShape, outputShape: outShape, inputType: inType, outputType: outType,
                                    forward: forward.call, adjoint: backward.call,
                                    release: release.map { r in { r(user) } })
    }
}

/// One user function with the shapes it is called with; builds contiguous descriptors per call.
private struct UserFunction {
    let function: ik_linop_function
    let name: String
    let user: UnsafeMutableRawPointer?
    let input: ([Int], ScalarType)
    let output: ([Int], ScalarType)

    func call(_ x: UnsafeRawPointer, _ y: UnsafeMutableRawPointer) throws {
        var inShape = input.0.map(Int64.init), outShape = output.0.map(Int64.init)
        let status: Int32 = inShape.withUnsafeMutableBufferPointer { inExtents in
            outShape.withUnsafeMutableBufferPointer { outExtents in
                var a = ik_array(data: UnsafeMutableRawPointer(mutating: x), device: ik_device(device_type: Int32(IK_DEVICE_CPU.rawValue), device_id: 0),
                                 ndim: Int32(input.0.count), dtype: dtypeOf(input.1), shape: inExtents.baseAddress,
                                 strides: nil, byte_offset: 0)
                var b = ik_array(data: y, device: ik_device(device_type: Int32(IK_DEVICE_CPU.rawValue), device_id: 0),
                                 ndim: Int32(output.0.count), dtype: dtypeOf(output.1), shape: outExtents.baseAddress,
                                 strides: nil, byte_offset: 0)
                return function(user, &a, &b)
            }
        }
        guard status == 0 else {
            throw InverseKitError(.callback, "The \(name) callback reported failure (returned \(status))")
        }
    }
}

// MARK: Combinators

/// The operators of a caller's list. Every entry is checked before anything is allocated; the list
/// itself is then held in a Swift array, whose size the caller's own list of handles bounds (a
/// probe allocation of that size first turns a shortage into a status).
private func operatorList(_ list: UnsafePointer<OpaquePointer?>?, _ count: Int32, _ name: String) throws -> [LinearOperator] {
    guard count >= 1 else { throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid count: expected >= 1, got \(count)") }
    guard let list else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid \(name): NULL array") }
    for i in 0..<Int(count) { _ = try operatorFrom(list[i], "\(name)[\(i)]") }
    try AlignedBuffer<UInt8>.requireAllocatable(bytes: Int(count) * MemoryLayout<LinearOperator>.stride * 2)
    return try (0..<Int(count)).map { try operatorFrom(list[$0], "\(name)[\($0)]") }
}

@_cdecl("ik_linop_create_product")
public func ikLinopCreateProduct(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ outer: OpaquePointer?,
                                 _ inner: OpaquePointer?) -> Int32 {
    createOperator(out) {
        try ProductOperator(try operatorFrom(outer, "outer"), try operatorFrom(inner, "inner"))
    }
}

@_cdecl("ik_linop_create_sum")
public func ikLinopCreateSum(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ terms: UnsafePointer<OpaquePointer?>?,
                             _ count: Int32) -> Int32 {
    createOperator(out) {
        try SumOperator(try operatorList(terms, count, "terms"))
    }
}

@_cdecl("ik_linop_create_stack")
public func ikLinopCreateStack(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ blocks: UnsafePointer<OpaquePointer?>?,
                               _ count: Int32) -> Int32 {
    createOperator(out) {
        try StackOperator(try operatorList(blocks, count, "blocks"))
    }
}

@_cdecl("ik_linop_create_block_diagonal")
public func ikLinopCreateBlockDiagonal(_ out: UnsafeMutablePointer<OpaquePointer?>?,
                                       _ blocks: UnsafePointer<OpaquePointer?>?, _ count: Int32) -> Int32 {
    createOperator(out) {
        try BlockDiagonalOperator(try operatorList(blocks, count, "blocks"))
    }
}

@_cdecl("ik_linop_create_adjoint")
public func ikLinopCreateAdjoint(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ op: OpaquePointer?) -> Int32 {
    createOperator(out) {
        try AdjointOperator(try operatorFrom(op))
    }
}

@_cdecl("ik_linop_create_normal")
public func ikLinopCreateNormal(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ op: OpaquePointer?) -> Int32 {
    createOperator(out) {
        try NormalOperator(try operatorFrom(op))
    }
}

// MARK: Use

@_cdecl("ik_linop_apply")
public func ikLinopApply(_ op: OpaquePointer?, _ x: UnsafePointer<ik_array>?, _ y: UnsafePointer<ik_array>?) -> Int32 {
    apiCall {
        let a = try operatorFrom(op)
        try mapArray(canFailMidway: a.canFailMidway, x, "x", a.inputShape, a.inputType, y, "y", a.outputShape, a.outputType) { try a.apply($0, into: $1) }
    }
}

@_cdecl("ik_linop_apply_adjoint")
public func ikLinopApplyAdjoint(_ op: OpaquePointer?, _ y: UnsafePointer<ik_array>?, _ x: UnsafePointer<ik_array>?) -> Int32 {
    apiCall {
        let a = try operatorFrom(op)
        try mapArray(canFailMidway: a.canFailMidway, y, "y", a.outputShape, a.outputType, x, "x", a.inputShape, a.inputType) { try a.applyAdjoint($0, into: $1) }
    }
}

@_cdecl("ik_linop_solve_normal")
public func ikLinopSolveNormal(_ op: OpaquePointer?, _ rho: Double, _ b: UnsafePointer<ik_array>?,
                               _ x: UnsafePointer<ik_array>?) -> Int32 {
    apiCall {
        let a = try operatorFrom(op)
        guard a.hasNormalSolve else {
            throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid op: \(a.name) has no closed-form (A^H A + rho I)^-1")
        }
        guard rho.isFinite, rho > 0 else {
            throw CAPIError(rho.isNaN ? IK_ERR_NOT_FINITE : IK_ERR_INVALID_ARGUMENT, "Invalid rho: expected a finite value > 0, got \(rho)")
        }
        try mapArray(canFailMidway: a.canFailMidway, b, "b", a.inputShape, a.inputType, x, "x", a.inputShape, a.inputType) {
            try a.solveNormal(rho: rho, $0, into: $1)
        }
    }
}

@_cdecl("ik_linop_has_normal_solve")
public func ikLinopHasNormalSolve(_ op: OpaquePointer?) -> Int32 {
    var answer: Int32 = 0
    let status = apiCall { answer = try operatorFrom(op).hasNormalSolve ? 1 : 0 }
    return status == 0 ? answer : status
}

func writeShape(_ shape: [Int], _ type: ScalarType, _ out: UnsafeMutablePointer<Int64>?,
                        _ ndim: UnsafeMutablePointer<Int32>?, _ dtype: UnsafeMutablePointer<ik_dtype>?) throws {
    guard let out else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid shape: NULL") }
    guard let ndim else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid ndim: NULL") }
    guard let dtype else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid dtype: NULL") }
    guard shape.count <= Int(IK_MAX_NDIM) else { throw CAPIError(IK_ERR_INTERNAL, "shape has too many dimensions") }
    for (axis, extent) in shape.enumerated() { out[axis] = Int64(extent) }
    ndim.pointee = Int32(shape.count)
    dtype.pointee = dtypeOf(type)
}

@_cdecl("ik_linop_input_shape")
public func ikLinopInputShape(_ op: OpaquePointer?, _ shape: UnsafeMutablePointer<Int64>?,
                              _ ndim: UnsafeMutablePointer<Int32>?, _ dtype: UnsafeMutablePointer<ik_dtype>?) -> Int32 {
    apiCall {
        let a = try operatorFrom(op)
        try writeShape(a.inputShape, a.inputType, shape, ndim, dtype)
    }
}

@_cdecl("ik_linop_output_shape")
public func ikLinopOutputShape(_ op: OpaquePointer?, _ shape: UnsafeMutablePointer<Int64>?,
                               _ ndim: UnsafeMutablePointer<Int32>?, _ dtype: UnsafeMutablePointer<ik_dtype>?) -> Int32 {
    apiCall {
        let a = try operatorFrom(op)
        try writeShape(a.outputShape, a.outputType, shape, ndim, dtype)
    }
}

@_cdecl("ik_linop_norm")
public func ikLinopNorm(_ op: OpaquePointer?, _ seed: UInt64, _ tolerance: Double, _ maxIterations: Int64,
                        _ norm: UnsafeMutablePointer<Double>?) -> Int32 {
    apiCall {
        let a = try operatorFrom(op)
        guard let norm else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid norm: NULL") }
        guard let iterations = Int(exactly: maxIterations) else {
            throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid max_iterations: \(maxIterations)")
        }
        norm.pointee = try a.operatorNorm(seed: seed, tolerance: tolerance, maxIterations: iterations)
    }
}

@_cdecl("ik_linop_adjoint_test")
public func ikLinopAdjointTest(_ op: OpaquePointer?, _ seed: UInt64, _ mismatch: UnsafeMutablePointer<Double>?) -> Int32 {
    apiCall {
        let a = try operatorFrom(op)
        guard let mismatch else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid mismatch: NULL") }
        mismatch.pointee = try a.adjointMismatch(seed: seed)
    }
}

@_cdecl("ik_linop_destroy")
public func ikLinopDestroy(_ op: OpaquePointer?) {
    releaseHandle(op, as: LinearOperator.self)
}

// MARK: Experimental checks and norm bounds

@_cdecl("ik_linop_normal_test")
public func ikLinopNormalTest(_ op: OpaquePointer?, _ rho: Double, _ seed: UInt64,
                              _ mismatch: UnsafeMutablePointer<Double>?) -> Int32 {
    apiCall {
        let a = try operatorFrom(op)
        let out = try requireOutput(mismatch, "mismatch")
        out.pointee = try a.normalSolveMismatch(rho: rho, seed: seed)
    }
}

@_cdecl("ik_linop_norm_bound")
public func ikLinopNormBound(_ op: OpaquePointer?, _ bound: UnsafeMutablePointer<Double>?) -> Int32 {
    apiCall {
        let a = try operatorFrom(op)
        let out = try requireOutput(bound, "bound")
        out.pointee = try a.normUpperBound()
    }
}

@_cdecl("ik_linop_set_norm_bound")
public func ikLinopSetNormBound(_ op: OpaquePointer?, _ bound: Double) -> Int32 {
    apiCall { try operatorFrom(op).setNormUpperBound(bound) }
}

// MARK: Experimental: operators from a versioned callback struct

@_cdecl("ik_linop_create_from_callbacks")
public func ikLinopCreateFromCallbacks(
    _ out: UnsafeMutablePointer<OpaquePointer?>?, _ inputNDim: Int32, _ inputShape: UnsafePointer<Int64>?,
    _ inputDType: ik_dtype, _ outputNDim: Int32, _ outputShape: UnsafePointer<Int64>?, _ outputDType: ik_dtype,
    _ callbacks: UnsafePointer<ik_linop_callbacks>?
) -> Int32 {
    createOperator(out) {
        guard let callbacks else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid callbacks: NULL") }
        let size = callbacks.pointee.struct_size
        guard size == UInt32(MemoryLayout<ik_linop_callbacks>.size) else {
            throw CAPIError(IK_ERR_STRUCT_VERSION,
                            "Invalid callbacks: struct_size \(size) is not \(MemoryLayout<ik_linop_callbacks>.size); set it to sizeof(ik_linop_callbacks)")
        }
        let c = callbacks.pointee
        let inShape = try parseShape(inputNDim, inputShape, "input_shape")
        let outShape = try parseShape(outputNDim, outputShape, "output_shape")
        let inType = try parseDType(inputDType, "input_dtype")
        let outType = try parseDType(outputDType, "output_dtype")
        guard let apply = c.apply else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid callbacks.apply: NULL function") }
        guard let adjoint = c.adjoint else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid callbacks.adjoint: NULL function") }
        guard c.norm_bound.isFinite, c.norm_bound >= 0 else {
            throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid callbacks.norm_bound: expected a finite value >= 0 (0 for unknown), got \(c.norm_bound)")
        }
        let user = c.user_data
        let forward = UserFunction(function: apply, name: "apply", user: user, input: (inShape, inType), output: (outShape, outType))
        let backward = UserFunction(function: adjoint, name: "adjoint", user: user, input: (outShape, outType), output: (inShape, inType))
        let normal = c.normal_solve.map { f in
            UserNormalSolve(function: f, user: user, shape: inShape, type: inType)
        }
        let release = c.release
        return try CallbackOperator(inputShape: inShape, outputShape: outShape, inputType: inType, outputType: outType,
                                    forward: forward.call, adjoint: backward.call, normalSolve: normal.map { n in n.call },
                                    normBound: c.norm_bound > 0 ? c.norm_bound : nil,
                                    release: release.map { r in { r(user) } })
    }
}

/// The user's normal solve with the input shape it is called with.
private struct UserNormalSolve {
    let function: ik_linop_normal_solve_function
    let user: UnsafeMutableRawPointer?
    let shape: [Int]
    let type: ScalarType

    func call(_ rho: Double, _ b: UnsafeRawPointer, _ x: UnsafeMutableRawPointer) throws {
        var extents = shape.map(Int64.init)
        let status: Int32 = extents.withUnsafeMutableBufferPointer { e in
            let device = ik_device(device_type: Int32(IK_DEVICE_CPU.rawValue), device_id: 0)
            var bArray = ik_array(data: UnsafeMutableRawPointer(mutating: b), device: device, ndim: Int32(shape.count),
                                  dtype: dtypeOf(type), shape: e.baseAddress, strides: nil, byte_offset: 0)
            var xArray = ik_array(data: x, device: device, ndim: Int32(shape.count), dtype: dtypeOf(type),
                                  shape: e.baseAddress, strides: nil, byte_offset: 0)
            return function(user, rho, &bArray, &xArray)
        }
        guard status == 0 else {
            throw InverseKitError(.callback, "The normal_solve callback reported failure (returned \(status))")
        }
    }
}
