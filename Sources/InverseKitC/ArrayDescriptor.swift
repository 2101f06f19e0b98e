import CInverseKitHeader
import InverseKit

/// Element types an ik_array can carry: the core's.
typealias ElementType = ScalarType

/// A validated ik_array: every extent, stride and offset fits in Int, and every element's address
/// is base + (element offset) * size without wrapping around the address space.
struct ArrayView {
    let name: String
    let base: UnsafeMutableRawPointer?
    let shape: [Int]
    /// Strides in elements (filled in for C-contiguous arrays).
    let strides: [Int]
    let type: ElementType
    let count: Int
    /// Byte range [lowest, highest) that the elements occupy, as addresses.
    let span: Range<UInt>

    var isContiguous: Bool {
        var expected = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            if shape[axis] != 1 && strides[axis] != expected { return false }
            expected *= shape[axis]
        }
        return true
    }

    /// Reads and checks a descriptor. `name` is used in messages ("Invalid y: ...").
    init(_ pointer: UnsafePointer<ik_array>?, name: String) throws {
        guard let pointer else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid \(name): NULL array") }
        let a = pointer.pointee
        self.name = name
        guard a.device.device_type == Int32(IK_DEVICE_CPU.rawValue), a.device.device_id == 0 else {
            throw CAPIError(IK_ERR_UNSUPPORTED_DEVICE,
                            "Invalid \(name): only the CPU (device_type 1, device_id 0) is supported, got device_type \(a.device.device_type), device_id \(a.device.device_id)")
        }
        guard a.dtype.lanes == 1 else {
            throw CAPIError(IK_ERR_UNSUPPORTED_DTYPE, "Invalid \(name): dtype lanes must be 1, got \(a.dtype.lanes)")
        }
        guard let parsed = elementType(code: a.dtype.code, bits: a.dtype.bits, lanes: a.dtype.lanes) else {
            throw CAPIError(IK_ERR_UNSUPPORTED_DTYPE,
                            "Invalid \(name): unsupported dtype (code \(a.dtype.code), bits \(a.dtype.bits)); expected float32, float64, complex64 or complex128")
        }
        type = parsed
        let ndim = Int(a.ndim)
        guard ndim >= 0, ndim <= Int(IK_MAX_NDIM) else {
            throw CAPIError(IK_ERR_SHAPE, "Invalid \(name): ndim must be in 0...\(IK_MAX_NDIM), got \(ndim)")
        }
        guard ndim == 0 || a.shape != nil else {
            throw CAPIError(IK_ERR_NULL_POINTER, "Invalid \(name): shape is NULL with ndim \(ndim)")
        }
        var shape: [Int] = []
        var count = 1
        for axis in 0..<ndim {
            let extent = a.shape[axis]
            guard extent >= 0, let e = Int(exactly: extent) else {
                throw CAPIError(IK_ERR_SHAPE, "Invalid \(name): extent of axis \(axis) is \(extent)")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: e)
            guard !overflow else {
                throw CAPIError(IK_ERR_OVERFLOW, "Invalid \(name): the product of the shape overflows")
            }
            count = product
            shape.append(e)
        }
        guard !count.multipliedReportingOverflow(by: type.size).overflow else {
            throw CAPIError(IK_ERR_OVERFLOW, "Invalid \(name): the array's size in bytes overflows")
        }
        var strides = [Int](repeating: 0, count: ndim)
        if let given = a.strides {
            for axis in 0..<ndim {
                guard let s = Int(exactly: given[axis]) else {
                    throw CAPIError(IK_ERR_OVERFLOW, "Invalid \(name): stride of axis \(axis) does not fit")
                }
                strides[axis] = s
            }
        } else {
            var step = 1
            for axis in stride(from: ndim - 1, through: 0, by: -1) {
                strides[axis] = step
                step = step &* max(shape[axis], 1) // cannot overflow: bounded by count
            }
        }
        // Lowest and highest element offsets, in bytes, with overflow checks.
        var low = 0, high = 0
        if count > 0 {
            for axis in 0..<ndim {
                let (reach, o1) = strides[axis].multipliedReportingOverflow(by: shape[axis] - 1)
                let (bytes, o2) = reach.multipliedReportingOverflow(by: type.size)
                guard !o1, !o2 else {
                    throw CAPIError(IK_ERR_OVERFLOW, "Invalid \(name): strides reach beyond the address space")
                }
                let (l, o3) = low.addingReportingOverflow(min(bytes, 0))
                let (h, o4) = high.addingReportingOverflow(max(bytes, 0))
                guard !o3, !o4 else {
                    throw CAPIError(IK_ERR_OVERFLOW, "Invalid \(name): strides reach beyond the address space")
                }
                (low, high) = (l, h)
            }
        }
        guard let offset = Int(exactly: a.byte_offset) else {
            throw CAPIError(IK_ERR_OVERFLOW, "Invalid \(name): byte_offset \(a.byte_offset) is too large")
        }
        if count > 0 {
            guard let data = a.data else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid \(name): data is NULL") }
            let address = UInt(bitPattern: data)
            let (origin, o1) = address.addingReportingOverflow(UInt(offset))
            let (lowest, o2) = origin.subtractingReportingOverflow(low.magnitude)
            let (reach, o3) = origin.addingReportingOverflow(UInt(high))
            let (highest, o4) = reach.addingReportingOverflow(UInt(type.size))
            guard !o1, !o2, !o3, !o4 else {
                throw CAPIError(IK_ERR_OVERFLOW, "Invalid \(name): the array extends beyond the address space")
            }
            guard origin % UInt(type.alignment) == 0 else {
                throw CAPIError(IK_ERR_LAYOUT, "Invalid \(name): data + byte_offset is not aligned for \(type)")
            }
            base = UnsafeMutableRawPointer(bitPattern: origin)
            span = lowest..<highest
        } else {
            base = nil
            span = 0..<0
        }
        self.shape = shape
        self.strides = strides
        self.count = count
    }

    // MARK: Checks used by the thunks

    func require(ndim allowed: ClosedRange<Int>) throws {
        guard allowed.contains(shape.count) else {
            throw CAPIError(IK_ERR_SHAPE, "Invalid \(name): expected \(dimensionCounts(allowed)) dimensions, got \(shape.count)")
        }
    }

    func require(shape expected: [Int]) throws {
        guard shape == expected else {
            throw CAPIError(IK_ERR_SHAPE, "Invalid \(name): expected shape \(expected), got \(shape)")
        }
    }

    func requireReal() throws {
        guard type.isReal else {
            throw CAPIError(IK_ERR_UNSUPPORTED_DTYPE, "Invalid \(name): expected float32 or float64, got \(type)")
        }
    }

    func require(type expected: ElementType, sameAs other: String) throws {
        guard type == expected else {
            throw CAPIError(IK_ERR_UNSUPPORTED_DTYPE, "Invalid \(name): dtype \(type) differs from \(other)'s \(expected)")
        }
    }

    /// Outputs must not have two indices at one address. Sufficient test: sorted by |stride|, each
    /// axis steps over everything the faster axes cover.
    func requireNonOverlapping() throws {
        let axes = (0..<shape.count).filter { shape[$0] > 1 }.sorted { abs(strides[$0]) < abs(strides[$1]) }
        var covered = 1
        for axis in axes {
            let s = abs(strides[axis])
            guard s >= covered else {
                throw CAPIError(IK_ERR_LAYOUT, "Invalid \(name): an output array must not overlap itself (strides \(strides), shape \(shape))")
            }
            let (next, overflow) = s.multipliedReportingOverflow(by: shape[axis])
            covered = overflow ? Int.max : next
        }
    }

    func overlaps(_ other: ArrayView) -> Bool {
        !span.isEmpty && !other.span.isEmpty && span.overlaps(other.span)
    }

    // MARK: Copies between strided arrays and contiguous buffers

    /// Calls `body(elementOffset, run)` for each contiguous run along the last axis, in row-major
    /// order of the other axes.
    private func forEachRow(_ body: (Int, Int) -> Void) {
        guard count > 0 else { return }
        let ndim = shape.count
        if ndim == 0 {
            body(0, 1)
            return
        }
        let runLength = shape[ndim - 1]
        var index = [Int](repeating: 0, count: ndim)
        var offset = 0
        while true {
            body(offset, runLength)
            var axis = ndim - 2
            while axis >= 0 {
                index[axis] += 1
                offset &+= strides[axis]
                if index[axis] < shape[axis] { break }
                offset &-= strides[axis] &* shape[axis]
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }

    /// Copies the elements, in row-major order, into `out`, converting from this array's real type.
    func gather<T: BinaryFloatingPoint>(into out: UnsafeMutablePointer<T>) {
        guard let base else { return }
        let last = strides.last ?? 1
        var position = 0
        switch type {
        case .float32:
            let p = base.assumingMemoryBound(to: Float.self)
            forEachRow { offset, run in
                for k in 0..<run { out[position + k] = T(p[offset &+ k &* last]) }
                position += run
            }
        case .float64:
            let p = base.assumingMemoryBound(to: Double.self)
            forEachRow { offset, run in
                for k in 0..<run { out[position + k] = T(p[offset &+ k &* last]) }
                position += run
            }
        case .complex64, .complex128:
            break // callers check requireReal() first
        }
    }

    /// Copies the elements, in row-major order and in their own type (real or complex), to `out`.
    func gatherRaw(into out: UnsafeMutableRawPointer) {
        guard let base else { return }
        let size = type.size, last = strides.last ?? 1
        var position = 0
        forEachRow { offset, run in
            if last == 1 {
                (out + position * size).copyMemory(from: base + offset &* size, byteCount: run * size)
            } else {
                for k in 0..<run {
                    (out + (position + k) * size).copyMemory(from: base + (offset &+ k &* last) &* size, byteCount: size)
                }
            }
            position += run
        }
    }

    /// Copies row-major elements of this array's type from `values` into the array.
    func scatterRaw(from values: UnsafeRawPointer) {
        guard let base else { return }
        let size = type.size, last = strides.last ?? 1
        var position = 0
        forEachRow { offset, run in
            if last == 1 {
                (base + offset &* size).copyMemory(from: values + position * size, byteCount: run * size)
            } else {
                for k in 0..<run {
                    (base + (offset &+ k &* last) &* size).copyMemory(from: values + (position + k) * size, byteCount: size)
                }
            }
            position += run
        }
    }
}

/// A real array as a contiguous buffer of T: the caller's memory when it is already laid out that
/// way (and `direct` allows), else a copy (converted when the array's real type is not T).
final class ContiguousReal<T: BinaryFloatingPoint> {
    let view: ArrayView
    let pointer: UnsafeMutablePointer<T>
    /// Same element type: the caller's memory or a raw copy of it, which can be written back.
    private let raw: ContiguousRaw?
    /// Another real type (input only, e.g. float32 weights for a float64 problem): a converted copy.
    private let converted: AlignedBuffer<T>?

    init(_ view: ArrayView, direct: Bool, load: Bool) throws {
        self.view = view
        let sameType = (T.self == Float.self && view.type == .float32) || (T.self == Double.self && view.type == .float64)
        if sameType {
            let raw = try ContiguousRaw(view, direct: direct, load: load)
            pointer = raw.pointer.assumingMemoryBound(to: T.self)
            self.raw = raw
            converted = nil
        } else {
            let buffer = try AlignedBuffer<T>(count: view.count)
            if load { view.gather(into: buffer.pointer) }
            pointer = buffer.pointer
            raw = nil
            converted = buffer
        }
    }

    var buffer: UnsafeMutableBufferPointer<T> { UnsafeMutableBufferPointer(start: pointer, count: view.count) }

    /// Copies a private buffer back to the caller; only same-type arrays are ever outputs.
    func writeBack() {
        raw?.writeBack()
    }
}

/// Any array as a contiguous buffer of its own element type: the caller's memory when it is laid
/// out that way (and `direct` allows), else a private copy; `writeBack()` copies a private buffer
/// back to the caller.
final class ContiguousRaw {
    let view: ArrayView
    let pointer: UnsafeMutableRawPointer
    private let copy: AlignedBuffer<UInt8>?

    init(_ view: ArrayView, direct: Bool, load: Bool) throws {
        self.view = view
        if direct && view.isContiguous, let base = view.base {
            pointer = base
            copy = nil
        } else {
            let buffer = try AlignedBuffer<UInt8>(count: max(view.count * view.type.size, 1))
            pointer = UnsafeMutableRawPointer(buffer.pointer)
            if load { view.gatherRaw(into: pointer) }
            copy = buffer
        }
    }

    func writeBack() {
        if let copy { view.scatterRaw(from: UnsafeRawPointer(copy.pointer)) }
    }
}

