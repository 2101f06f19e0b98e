#if canImport(Glibc)
import Glibc
#endif

/// Filtered back-projection for parallel-beam sinograms: each projection is filtered with the
/// ramp filter (the band-limited spatial ramp of Kak and Slaney, applied by FFT on a zero-padded
/// row) optionally times a window, then smeared back pixel by pixel with linear interpolation and
/// scaled by pi / angles (angles assumed to cover [0, pi) evenly). The baseline reconstruction.
public enum FilteredBackProjection {
    public enum Filter: Int32, Sendable {
        case ramp = 0, sheppLogan = 1, cosine = 2, hann = 3, hamming = 4
    }

    /// `sinogram`: (angles, detectors) row-major for `geometry`; returns the (rows, columns) image.
    /// With `circle`, pixels outside the circle of radius min(rows, columns) / 2 about the rotation
    /// axis are set to 0.
    public static func reconstruct(sinogram: [Double], geometry g: ParallelBeamGeometry, filter: Filter,
                                   circle: Bool = false) throws -> [Double] {
        let image = try AlignedBuffer<Double>(count: g.rows * g.columns)
        try sinogram.withUnsafeBufferPointer {
            try reconstruct(sinogram: $0, geometry: g, filter: filter, circle: circle, into: image.pointer)
        }
        return Array(image.buffer)
    }

    /// The same into `image` (rows * columns values); every work buffer is allocated fallibly
    /// before `image` is written.
    public static func reconstruct(sinogram: UnsafeBufferPointer<Double>, geometry g: ParallelBeamGeometry,
                                   filter: Filter, circle: Bool = false, into image: UnsafeMutablePointer<Double>) throws {
        let angles = g.angleCount, bins = g.detectors
        guard sinogram.count == angles * bins else {
            throw InverseKitError(.shape, "Invalid sinogram: expected (\(angles), \(bins)) values, got \(sinogram.count)")
        }
        try requireFinite(sinogram, "sinogram")
        // Enough margin for every pixel's ray: half the image diagonal beyond half the detector.
        let reach = (Double(g.rows) * Double(g.rows) + Double(g.columns) * Double(g.columns)).squareRoot() / 2 / g.spacing
        let beyond = (reach - Double(bins) / 2).rounded(.up)
        guard beyond < Double(1 << 30) else {
            throw InverseKitError(.invalidArgument,
                                  "Invalid spacing: \(g.spacing) makes the image span more than 2^30 detector bins")
        }
        let margin = max(0, Int(max(beyond, 0)) + 2)
        let filtered = try filterProjections(sinogram, angles: angles, bins: bins, margin: margin, filter: filter)
        backProject(filtered.pointer, g, margin: margin, into: image)
        if circle {
            let radius = Double(min(g.rows, g.columns) / 2), cy = g.rows / 2, cx = g.columns / 2
            for i in 0..<g.rows {
                for j in 0..<g.columns {
                    let dy = Double(i - cy), dx = Double(j - cx)
                    if dy * dy + dx * dx > radius * radius { image[i * g.columns + j] = 0 }
                }
            }
        }
    }

    /// The frequency response on the plan's `size` points (FFT order): the DFT of the spatial ramp
    /// h[0] = 1/4, h[n odd] = -1/(pi n)^2, h[n even] = 0 (periodically), times the window.
    static func response(plan: FFTPlan, filter: Filter) throws -> AlignedBuffer<Double> {
        let size = plan.count
        guard size % 2 == 0 else { throw InverseKitError(.internalError, "the ramp filter needs an even length") }
        let h = try AlignedBuffer<Double>(repeating: 0, count: size)
        h.pointer[0] = 0.25
        for n in stride(from: 1, to: size, by: 2) {
            let distance = Double(min(n, size - n))
            h.pointer[n] = -1 / (Double.pi * distance * Double.pi * distance)
        }
        let spectrum = try AlignedBuffer<Double>(count: 2 * plan.spectrumCount)
        try plan.forward(UnsafeMutableRawPointer(h.pointer), UnsafeMutableRawPointer(spectrum.pointer))
        let response = try AlignedBuffer<Double>(count: plan.spectrumCount)
        for k in 0..<plan.spectrumCount {
            // Half spectrum: k is the frequency index, k / size cycles per sample.
            let ramp = 2 * spectrum.pointer[2 * k]
            let f = Double(k) / Double(size)
            let window: Double
            switch filter {
            case .ramp: window = 1
            case .sheppLogan: window = k == 0 ? 1 : sin(Double.pi * f) / (Double.pi * f)
            case .cosine: window = cos(Double.pi * f)
            case .hann: window = 0.5 + 0.5 * cos(2 * Double.pi * f)
            case .hamming: window = 0.54 + 0.46 * cos(2 * Double.pi * f)
            }
            response.pointer[k] = ramp * window
        }
        return response
    }

    /// Filtered rows extend `margin` bins beyond each edge of the detector: the ramp filter's
    /// response to the measured row does not stop there, and pixels whose rays miss the detector
    /// still receive it. Row layout: bin k of the extended row is at index k + margin.
    static func filterProjections(_ sinogram: UnsafeBufferPointer<Double>, angles: Int, bins: Int, margin: Int,
                                  filter: Filter) throws -> AlignedBuffer<Double> {
        let width = bins + 2 * margin
        // Even, and long enough that the circular convolution does not fold the margins back.
        let size = 2 * FFTPlan.fastSize(max(32, width))
        let plan = try FFTPlan(shape: [size], kind: .real, precision: .double)
        let h = try response(plan: plan, filter: filter)
        let row = try AlignedBuffer<Double>(count: size)
        let spectrum = try AlignedBuffer<Double>(count: 2 * plan.spectrumCount)
        let (total, overflow) = angles.multipliedReportingOverflow(by: width)
        guard !overflow else { throw InverseKitError(.overflow, "Invalid sinogram: the filtered rows overflow") }
        let out = try AlignedBuffer<Double>(count: total)
        for a in 0..<angles {
            row.pointer.update(repeating: 0, count: size)
            for k in 0..<bins { row.pointer[k] = sinogram[a * bins + k] }
            try plan.forward(UnsafeMutableRawPointer(row.pointer), UnsafeMutableRawPointer(spectrum.pointer))
            // The ramp's factor 2 and the inverse DFT's 1/size; the back-projection divides by 2.
            for k in 0..<plan.spectrumCount {
                spectrum.pointer[2 * k] *= h.pointer[k] / Double(size)
                spectrum.pointer[2 * k + 1] *= h.pointer[k] / Double(size)
            }
            try plan.backward(UnsafeMutableRawPointer(spectrum.pointer), UnsafeMutableRawPointer(row.pointer))
            for k in -margin..<(bins + margin) {
                out.pointer[a * width + k + margin] = row.pointer[(k + size) % size]
            }
        }
        return out
    }

    /// Pixel-driven back-projection with linear interpolation between (extended) detector bins,
    /// times pi / (2 angles) (the factor 2 undoes the one in the filter).
    static func backProject(_ filtered: UnsafePointer<Double>, _ g: ParallelBeamGeometry, margin: Int,
                            into image: UnsafeMutablePointer<Double>) {
        image.update(repeating: 0, count: g.rows * g.columns)
        let width = g.detectors + 2 * margin
        let cy = Double(g.rows / 2), cx = Double(g.columns / 2), center = Double(g.detectors / 2 + margin)
        for a in 0..<g.angleCount {
            let theta = g.angle(a)
            let c = cos(theta) / g.spacing, s = sin(theta) / g.spacing
            let row = a * width
            for i in 0..<g.rows {
                let y = cy - Double(i)
                for j in 0..<g.columns {
                    let t = (Double(j) - cx) * c + y * s + center
                    guard t >= 0, t <= Double(width - 1) else { continue }
                    let base = t.rounded(.down)
                    let k = Int(base), f = t - base
                    var v = (1 - f) * filtered[row + k]
                    if k + 1 < width { v += f * filtered[row + k + 1] }
                    image[i * g.columns + j] += v
                }
            }
        }
        let scale = Double.pi / (2 * Double(g.angleCount))
        for i in 0..<(g.rows * g.columns) { image[i] *= scale }
    }
}
