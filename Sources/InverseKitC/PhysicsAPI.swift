import CInverseKitHeader
import InverseKit

// Thunks of the header's "Physics" part of the linear operators.

/// The caller's angles, read in place (the geometry copies them).
private func anglesFrom(_ angles: UnsafePointer<Double>?, _ count: Int64) throws -> UnsafeBufferPointer<Double> {
    guard count >= 1, count < 1 << 31 else {
        throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid angle_count: expected 1 to 2^31 - 1, got \(count)")
    }
    guard let angles else { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid angles: NULL") }
    return UnsafeBufferPointer(start: angles, count: Int(count))
}

@_cdecl("ik_linop_create_convolution")
public func ikLinopCreateConvolution(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ndim: Int32,
                                     _ shape: UnsafePointer<Int64>?, _ kernel: UnsafePointer<ik_array>?,
                                     _ boundary: Int32) -> Int32 {
    createOperator(out) {
        let extents = try parseShape(ndim, shape, "shape", allowed: 1...3)
        let view = try ArrayView(kernel, name: "kernel")
        try view.requireReal()
        guard let mode = ConvolutionOperator.Boundary(rawValue: boundary) else {
            throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid boundary: expected 0 (periodic), 1 (same) or 2 (valid), got \(boundary)")
        }
        let values = try readReals(view)
        return try ConvolutionOperator(shape: extents, kernel: values.buffer, kernelShape: view.shape, boundary: mode,
                                       precision: view.type.precision)
    }
}

@_cdecl("ik_linop_create_fourier")
public func ikLinopCreateFourier(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ndim: Int32,
                                 _ shape: UnsafePointer<Int64>?, _ dtype: ik_dtype, _ mask: UnsafePointer<ik_array>?,
                                 _ coilMaps: UnsafePointer<ik_array>?, _ centered: Int32) -> Int32 {
    createOperator(out) {
        let extents = try parseShape(ndim, shape, "shape", allowed: 2...3)
        let type = try parseDType(dtype, "dtype")
        guard type.isComplex else {
            throw CAPIError(IK_ERR_UNSUPPORTED_DTYPE, "Invalid dtype: the Fourier operator needs complex64 or complex128, got \(type)")
        }
        var maskValues: AlignedBuffer<Double>? = nil
        if let mask {
            let view = try ArrayView(mask, name: "mask")
            try view.requireReal()
            try view.require(shape: extents)
            maskValues = try readReals(view)
        }
        var coilValues: AlignedBuffer<Double>? = nil, coils = 1
        if let coilMaps {
            let view = try ArrayView(coilMaps, name: "coil_maps")
            guard view.type.isComplex else {
                throw CAPIError(IK_ERR_UNSUPPORTED_DTYPE, "Invalid coil_maps: expected a complex array, got \(view.type)")
            }
            guard view.shape.count == extents.count + 1, Array(view.shape.dropFirst()) == extents else {
                throw CAPIError(IK_ERR_SHAPE, "Invalid coil_maps: expected shape (coils, \(extents.map(String.init).joined(separator: ", "))), got \(view.shape)")
            }
            coils = view.shape[0]
            coilValues = try readReals(view)
        }
        return try FourierOperator(shape: extents, maskValues: maskValues?.buffer, coilValues: coilValues?.buffer, coils: coils,
                                   centered: centered != 0, precision: type.precision)
    }
}

@_cdecl("ik_linop_create_super_resolution")
public func ikLinopCreateSuperResolution(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ndim: Int32,
                                         _ shape: UnsafePointer<Int64>?, _ kernel: UnsafePointer<ik_array>?,
                                         _ factor: Int32) -> Int32 {
    createOperator(out) {
        let extents = try parseShape(ndim, shape, "shape", allowed: 2...3)
        let view = try ArrayView(kernel, name: "kernel")
        try view.requireReal()
        let values = try readReals(view)
        return try SuperResolutionOperator(shape: extents, kernel: values.buffer, kernelShape: view.shape, factor: Int(factor),
                                           precision: view.type.precision)
    }
}

@_cdecl("ik_linop_create_radon")
public func ikLinopCreateRadon(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ rows: Int64, _ columns: Int64,
                               _ angles: UnsafePointer<Double>?, _ angleCount: Int64, _ detectors: Int64,
                               _ spacing: Double, _ slices: Int64, _ dtype: ik_dtype, _ threads: Int32) -> Int32 {
    createOperator(out) {
        guard rows >= 1, columns >= 1, rows < 1 << 31, columns < 1 << 31 else {
            throw CAPIError(IK_ERR_SHAPE, "Invalid image shape (\(rows), \(columns)): extents must be 1 to 2^31 - 1")
        }
        guard detectors >= 0, detectors < 1 << 31 else {
            throw CAPIError(IK_ERR_SHAPE, "Invalid detectors: expected 0 (automatic) to 2^31 - 1, got \(detectors)")
        }
        guard slices >= 0, slices < 1 << 31 else {
            throw CAPIError(IK_ERR_SHAPE, "Invalid slices: expected 0 (2-D) to 2^31 - 1, got \(slices)")
        }
        let type = try parseDType(dtype, "dtype", realOnly: true)
        let list = try anglesFrom(angles, angleCount)
        let geometry = try ParallelBeamGeometry(rows: Int(rows), columns: Int(columns), angles: list,
                                                detectors: detectors == 0 ? nil : Int(detectors), spacing: spacing)
        return try RadonOperator(geometry: geometry, slices: slices == 0 ? nil : Int(slices),
                                 precision: type.precision, threads: Int(threads))
    }
}

@_cdecl("ik_fbp")
public func ikFBP(_ sinogram: UnsafePointer<ik_array>?, _ angles: UnsafePointer<Double>?, _ angleCount: Int64,
                  _ spacing: Double, _ filter: Int32, _ circle: Int32, _ image: UnsafePointer<ik_array>?) -> Int32 {
    apiCall {
        let sino = try ArrayView(sinogram, name: "sinogram")
        let img = try ArrayView(image, name: "image")
        try sino.require(ndim: 2...2)
        try sino.requireReal()
        try img.require(ndim: 2...2)
        try img.requireReal()
        try img.requireNonOverlapping()
        let list = try anglesFrom(angles, angleCount)
        guard sino.shape[0] == list.count else {
            throw CAPIError(IK_ERR_SHAPE, "Invalid sinogram: expected \(list.count) rows (one per angle), got \(sino.shape[0])")
        }
        guard let kind = FilteredBackProjection.Filter(rawValue: filter) else {
            throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid filter: expected 0 to 4, got \(filter)")
        }
        let values = try readReals(sino)
        // A private image (the caller's stays untouched on error); float64 is computed into it
        // directly, float32 through a Double image.
        let target = try ContiguousRaw(img, direct: false, load: false)
        let pixels = img.count
        let single = img.type.precision == .single
        let wide = single ? try AlignedBuffer<Double>(count: pixels) : nil
        let image = wide?.pointer ?? target.pointer.assumingMemoryBound(to: Double.self)
        try creating {
            let geometry = try ParallelBeamGeometry(rows: img.shape[0], columns: img.shape[1], angles: list,
                                                    detectors: sino.shape[1], spacing: spacing)
            try FilteredBackProjection.reconstruct(sinogram: values.buffer, geometry: geometry, filter: kind,
                                                   circle: circle != 0, into: image)
        }
        if single {
            let p = target.pointer.assumingMemoryBound(to: Float.self)
            for i in 0..<pixels { p[i] = Float(image[i]) }
        }
        withExtendedLifetime(wide) { target.writeBack() }
    }
}
