import CInverseKitHeader
import InverseKit

// Argument marshalling shared by every thunk: handles, output handle slots, shapes, dtypes,
// versioned structs, and core errors raised while building an object. Each fact is checked here,
// once, with one message; thunks never rewrite a message.

// MARK: Handles

/// The object behind a handle of kind `T`. A NULL handle, or one of another kind (an ik_tv_prox*
/// where an ik_linop* is expected), is refused instead of misread. `kind` and `type` word the
/// messages: "Invalid op: NULL operator", "Invalid op: not an ik_linop handle".
func handle<T: AnyObject>(_ pointer: OpaquePointer?, as _: T.Type, name: String, kind: String, type: String) throws -> T {
    guard let pointer else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid \(name): NULL \(kind)") }
    let object = Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    guard let typed = object as? T else {
        throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid \(name): not an \(type) handle")
    }
    return typed
}

/// Hands `object` to the caller, retained, through `out`.
func storeHandle(_ object: AnyObject, _ out: UnsafeMutablePointer<OpaquePointer?>) {
    out.pointee = OpaquePointer(Unmanaged.passRetained(object).toOpaque())
}

/// Releases a handle of kind `T` (the destroy functions); NULL and other kinds are ignored.
func releaseHandle<T: AnyObject>(_ pointer: OpaquePointer?, as _: T.Type) {
    guard let pointer else { return }
    let object = Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer(pointer))
    guard object.takeUnretainedValue() is T else { return } // not ours to release
    object.release()
}

/// The body of every create function: checks `out`, builds the object (core errors keep their
/// status and message), and hands it to the caller retained. `out` is written only on success.
func createHandle(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ build: () throws -> AnyObject) -> Int32 {
    apiCall {
        let out = try requireOut(out)
        storeHandle(try creating(build), out)
    }
}

func requireOut(_ out: UnsafeMutablePointer<OpaquePointer?>?) throws -> UnsafeMutablePointer<OpaquePointer?> {
    guard let out else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid out: NULL") }
    return out
}

// MARK: Shapes and element types

/// "2", "2 or 3", "1 to 8": the allowed numbers of dimensions, for messages.
func dimensionCounts(_ allowed: ClosedRange<Int>) -> String {
    if allowed.lowerBound == allowed.upperBound { return "\(allowed.lowerBound)" }
    if allowed.upperBound == allowed.lowerBound + 1 { return "\(allowed.lowerBound) or \(allowed.upperBound)" }
    return "\(allowed.lowerBound) to \(allowed.upperBound)"
}

/// A shape given as (ndim, extents): `allowed` extents (1...IK_MAX_NDIM by default), each >= 1.
func parseShape(_ ndim: Int32, _ shape: UnsafePointer<Int64>?, _ name: String,
                allowed: ClosedRange<Int> = 1...Int(IK_MAX_NDIM)) throws -> [Int] {
    guard allowed.contains(Int(ndim)) else {
        throw CAPIError(IK_ERR_SHAPE, "Invalid \(name): expected \(dimensionCounts(allowed)) dimensions, got \(ndim)")
    }
    guard let shape else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid \(name): NULL shape") }
    var extents: [Int] = []
    for axis in 0..<Int(ndim) {
        guard shape[axis] >= 1, let e = Int(exactly: shape[axis]) else {
            throw CAPIError(IK_ERR_SHAPE, "Invalid \(name): extent of axis \(axis) must be >= 1, got \(shape[axis])")
        }
        extents.append(e)
    }
    return extents
}

/// The element type a (code, bits, lanes) triple describes, if the library supports it.
func elementType(code: UInt8, bits: UInt8, lanes: UInt16) -> ScalarType? {
    switch (Int32(code), bits, lanes) {
    case (Int32(IK_DTYPE_FLOAT.rawValue), 32, 1): return .float32
    case (Int32(IK_DTYPE_FLOAT.rawValue), 64, 1): return .float64
    case (Int32(IK_DTYPE_COMPLEX.rawValue), 64, 1): return .complex64
    case (Int32(IK_DTYPE_COMPLEX.rawValue), 128, 1): return .complex128
    default: return nil
    }
}

func parseDType(_ dtype: ik_dtype, _ name: String, realOnly: Bool = false) throws -> ScalarType {
    guard let type = elementType(code: dtype.code, bits: dtype.bits, lanes: dtype.lanes) else {
        throw CAPIError(IK_ERR_UNSUPPORTED_DTYPE,
                        "Invalid \(name): unsupported dtype (code \(dtype.code), bits \(dtype.bits), lanes \(dtype.lanes)); expected \(realOnly ? "float32 or float64" : "float32, float64, complex64 or complex128")")
    }
    guard type.isReal || !realOnly else {
        throw CAPIError(IK_ERR_UNSUPPORTED_DTYPE, "Invalid \(name): expected float32 or float64, got \(type)")
    }
    return type
}

func dtypeOf(_ type: ScalarType) -> ik_dtype {
    var d = ik_dtype()
    d.code = UInt8(type.isComplex ? IK_DTYPE_COMPLEX.rawValue : IK_DTYPE_FLOAT.rawValue)
    d.bits = UInt8(type.size * 8)
    d.lanes = 1
    return d
}

/// Values that describe data of `type` (a diagonal, a mask) must have its precision.
func requireSamePrecision(_ view: ArrayView, _ type: ScalarType) throws {
    guard view.type.precision == type.precision else {
        throw CAPIError(IK_ERR_UNSUPPORTED_DTYPE,
                        "Invalid \(view.name): its precision (\(view.type)) differs from dtype's (\(type))")
    }
}

/// The elements of an array as Doubles (reals; complex interleaved), in row-major order, in a
/// buffer allocated fallibly (a Swift array would end the process when memory runs out).
func readReals(_ view: ArrayView) throws -> AlignedBuffer<Double> {
    let reals = view.count * view.type.components
    let values = try AlignedBuffer<Double>(count: reals)
    switch view.type.precision {
    case .double where view.isContiguous:
        if let base = view.base { values.pointer.initialize(from: base.assumingMemoryBound(to: Double.self), count: reals) }
    default:
        let copy = try ContiguousRaw(view, direct: true, load: true)
        defer { withExtendedLifetime(copy) {} } // read through a raw pointer below
        switch view.type.precision {
        case .single:
            let p = UnsafeRawPointer(copy.pointer).assumingMemoryBound(to: Float.self)
            for i in 0..<reals { values.pointer[i] = Double(p[i]) }
        case .double:
            values.pointer.initialize(from: UnsafeRawPointer(copy.pointer).assumingMemoryBound(to: Double.self),
                                      count: reals)
        }
    }
    return values
}

// MARK: Array maps

/// The body of every call that reads one array and writes another (apply, prox, gradient): checks
/// both against the shapes and dtypes expected, makes contiguous views, and runs `body` on them.
/// The output is written straight into the caller's buffer only when it cannot overlap the input
/// and nothing can fail after writing starts (`canFailMidway` false); otherwise through a private
/// buffer, copied out on success, so that an error leaves the output untouched.
func mapArray(canFailMidway: Bool, _ a: UnsafePointer<ik_array>?, _ aName: String, _ aShape: [Int], _ aType: ScalarType,
              _ b: UnsafePointer<ik_array>?, _ bName: String, _ bShape: [Int], _ bType: ScalarType,
              _ body: (UnsafeRawPointer, UnsafeMutableRawPointer) throws -> Void) throws {
    let av = try ArrayView(a, name: aName)
    let bv = try ArrayView(b, name: bName)
    try av.require(shape: aShape)
    try bv.require(shape: bShape)
    try requireType(av, aType)
    try requireType(bv, bType)
    try bv.requireNonOverlapping()
    let input = try ContiguousRaw(av, direct: true, load: true)
    let output = try ContiguousRaw(bv, direct: !bv.overlaps(av) && !canFailMidway, load: false)
    // The input's owner must outlive the body, which sees only its pointer.
    try withExtendedLifetime(input) { try body(UnsafeRawPointer(input.pointer), output.pointer) }
    output.writeBack()
}

/// Reads one array of the expected shape and dtype, contiguously, for `body` (a value).
func readArray<R>(_ a: UnsafePointer<ik_array>?, _ name: String, _ shape: [Int], _ type: ScalarType,
                  _ body: (UnsafeRawPointer) throws -> R) throws -> R {
    let view = try ArrayView(a, name: name)
    try view.require(shape: shape)
    try requireType(view, type)
    let input = try ContiguousRaw(view, direct: true, load: true)
    return try withExtendedLifetime(input) { try body(UnsafeRawPointer(input.pointer)) }
}

func requireType(_ view: ArrayView, _ type: ScalarType) throws {
    guard view.type == type else {
        throw CAPIError(IK_ERR_UNSUPPORTED_DTYPE, "Invalid \(view.name): expected dtype \(type), got \(view.type)")
    }
}

/// A required output scalar.
func requireOutput<T>(_ pointer: UnsafeMutablePointer<T>?, _ name: String) throws -> UnsafeMutablePointer<T> {
    guard let pointer else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid \(name): NULL") }
    return pointer
}

// MARK: Versioned structs

/// A struct that crosses the boundary with its size first (header rule 3). `knownSizes` are the
/// struct_size values this library accepts: its own and those of earlier headers, each the offset
/// at which a later-appended field begins. An older caller's struct is read and written only up to
/// its own size; the fields it lacks take their defaults.
protocol VersionedStruct {
    static var knownSizes: [Int] { get }
    /// The function that fills it, for messages.
    static var initializer: String { get }
}

extension VersionedStruct {
    static var currentSize: Int { MemoryLayout<Self>.size }
}

/// The struct_size at `pointer`, if it is one this library knows: "Invalid options: struct_size 12
/// is not one this library knows (88, or 80 from an earlier header); fill it with
/// ik_solver_options_init_v2(&s, sizeof s)".
func versionedSize<S: VersionedStruct>(_ pointer: UnsafeRawPointer, _: S.Type, name: String) throws -> Int {
    try knownSize(Int(pointer.load(as: UInt32.self)), S.self, name: name)
}

func knownSize<S: VersionedStruct>(_ size: Int, _: S.Type, name: String) throws -> Int {
    guard S.knownSizes.contains(size) else {
        let older = S.knownSizes.filter { $0 != S.currentSize }.map(String.init)
        let list = "\(S.currentSize)" + (older.isEmpty ? "" : ", or \(older.joined(separator: ", ")) from an earlier header")
        throw CAPIError(IK_ERR_STRUCT_VERSION, "Invalid \(name): struct_size \(size) is not one this library knows (\(list)); fill it with \(S.initializer)_v2(&s, sizeof s)")
    }
    return size
}

/// The caller's struct laid over `defaults`: only its struct_size bytes are read.
func readVersioned<S: VersionedStruct>(_ pointer: UnsafePointer<S>, defaults: S, name: String) throws -> S {
    let size = try versionedSize(pointer, S.self, name: name)
    var value = defaults
    withUnsafeMutableBytes(of: &value) { $0.baseAddress!.copyMemory(from: UnsafeRawPointer(pointer), byteCount: size) }
    return value
}

/// Writes the first `size` bytes of `value` (a size from `versionedSize`), with struct_size = size.
func writeVersioned<S: VersionedStruct>(_ value: S, to pointer: UnsafeMutablePointer<S>, size: Int) {
    var copy = value
    withUnsafeMutableBytes(of: &copy) { bytes in
        bytes.storeBytes(of: UInt32(size), toByteOffset: 0, as: UInt32.self)
        UnsafeMutableRawPointer(pointer).copyMemory(from: bytes.baseAddress!, byteCount: size)
    }
}

/// The body of every `*_init_v2`: the defaults, written for a caller's struct of `size` bytes.
func initVersioned<S: VersionedStruct>(_ pointer: UnsafeMutablePointer<S>?, size: UInt32, defaults: S, name: String) -> Int32 {
    apiCall {
        let target = try requireOutput(pointer, name)
        writeVersioned(defaults, to: target, size: try knownSize(Int(size), S.self, name: name))
    }
}

extension ik_tv_options: VersionedStruct {
    static var knownSizes: [Int] { [currentSize] }
    static var initializer: String { "ik_tv_options_init" }
}

extension ik_tv_info: VersionedStruct {
    static var knownSizes: [Int] { [currentSize] }
    static var initializer: String { "ik_tv_info_init" }
}

extension ik_functional_check_report: VersionedStruct {
    static var knownSizes: [Int] { [currentSize] }
    static var initializer: String { "ik_functional_check_report_init" }
}

extension ik_solver_options: VersionedStruct {
    // `penalty` (ADMM) and then `precondition` were appended after the struct was first published.
    static var knownSizes: [Int] {
        [MemoryLayout<Self>.offset(of: \.penalty)!, MemoryLayout<Self>.offset(of: \.precondition)!, currentSize]
    }
    static var initializer: String { "ik_solver_options_init" }
}

extension ik_solver_info: VersionedStruct {
    // `check_seconds` and `call_seconds` were appended after the struct was first published.
    static var knownSizes: [Int] { [MemoryLayout<Self>.offset(of: \.check_seconds)!, currentSize] }
    static var initializer: String { "ik_solver_info_init" }
}

// MARK: Core errors

/// Runs a core constructor; its errors keep their status and (already named) message.
func creating<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch let error as InverseKitError {
        throw CAPIError(error.kind.status, error.message)
    }
}
