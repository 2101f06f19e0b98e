#if canImport(Glibc)
import Glibc
#endif

/// Geometry of 2-D parallel-beam CT: an image of (rows, columns) unit pixels, `detectors` bins of
/// width `spacing`, and projection angles in radians. The rotation axis passes through the centre
/// of pixel (rows // 2, columns // 2) and of bin detectors // 2 (scikit-image's convention; for odd
/// sizes the geometric centre): pixel (i, j) sits at x = j - columns // 2, y = rows // 2 - i, bin k
/// at s = (k - detectors // 2) * spacing. The ray of angle theta and offset s is the line
/// x cos(theta) + y sin(theta) = s.
public struct ParallelBeamGeometry: @unchecked Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public let detectors: Int
    public let spacing: Double
    public let angleCount: Int
    /// The angles, held in a buffer allocated fallibly (a caller may pass very many); immutable.
    private let angleTable: AlignedBuffer<Double>

    /// The angles as a Swift array (a copy).
    public var angles: [Double] { Array(angleTable.buffer) }

    /// Angle `i` in radians.
    @inline(__always) public func angle(_ i: Int) -> Double { angleTable.pointer[i] }

    public init(rows: Int, columns: Int, angles: [Double], detectors: Int? = nil, spacing: Double = 1) throws {
        let table = try AlignedBuffer(copying: angles)
        try self.init(rows: rows, columns: columns, angles: table.buffer, detectors: detectors, spacing: spacing)
    }

    public static func == (a: ParallelBeamGeometry, b: ParallelBeamGeometry) -> Bool {
        a.rows == b.rows && a.columns == b.columns && a.detectors == b.detectors && a.spacing == b.spacing
            && a.angleCount == b.angleCount && a.angleTable.buffer.elementsEqual(b.angleTable.buffer)
    }

    /// `angles` is copied.
    public init(rows: Int, columns: Int, angles: UnsafeBufferPointer<Double>, detectors: Int? = nil,
                spacing: Double = 1) throws {
        guard rows >= 1, columns >= 1 else {
            throw InverseKitError(.shape, "Invalid image shape (\(rows), \(columns)): extents must be >= 1")
        }
        guard !angles.isEmpty else { throw InverseKitError(.invalidArgument, "Invalid angles: at least one angle is needed") }
        try requireFinite(angles, "angles", item: "angle")
        guard spacing.isFinite, spacing > 0 else {
            throw InverseKitError(.invalidArgument, "Invalid detector spacing: expected a finite value > 0, got \(spacing)")
        }
        _ = try LinearOperator.count([rows, columns], .float64, "image")
        let diagonal = (Double(rows) * Double(rows) + Double(columns) * Double(columns)).squareRoot().rounded(.up)
        guard diagonal < Double(Int32.max) else { throw InverseKitError(.overflow, "Invalid image shape: too large") }
        let count = detectors ?? Int(diagonal)
        guard count >= 1 else { throw InverseKitError(.shape, "Invalid detector count: \(count)") }
        _ = try LinearOperator.count([angles.count, count, rows, columns], .float64, "geometry")
        self.rows = rows
        self.columns = columns
        self.detectors = count
        self.spacing = spacing
        angleCount = angles.count
        angleTable = try AlignedBuffer(copying: angles)
    }
}

/// The 2-D parallel-beam X-ray transform with Joseph's discretisation: along each ray, one sample
/// per image row (steep rays) or column (flat rays), linearly interpolated between the two nearest
/// pixels and weighted by the path length per step. The adjoint is the exact transpose
/// (back-projection). Input (rows, columns); output, the sinogram, (angles, detectors). A 3-D input
/// (slices, rows, columns) is projected slice by slice to (slices, angles, detectors). Real data.
public final class RadonOperator: LinearOperator {
    public let geometry: ParallelBeamGeometry
    public let slices: Int
    public let threads: Int
    /// Threads an apply uses (the pool keeps that many ready).
    private let teamSize: Int
    /// The padded image and transpose of a projection (their zero borders are never written),
    /// then one padded pair per thread for a back-projection.
    private let work: Workspace

    public init(geometry: ParallelBeamGeometry, slices: Int? = nil, precision: ScalarType.Precision,
                threads: Int = 0) throws {
        guard slices.map({ $0 >= 1 }) ?? true else {
            throw InverseKitError(.shape, "Invalid slice count: \(slices ?? 0)")
        }
        guard threads >= 0 else { throw InverseKitError(.invalidArgument, "Invalid threads: \(threads)") }
        self.geometry = geometry
        self.slices = slices ?? 1
        self.threads = threads
        let type = ScalarType(precision: precision, complex: false)
        let image = [geometry.rows, geometry.columns], sinogram = [geometry.angleCount, geometry.detectors]
        let requested = threads == 0 ? ThreadTeam.availableCores : threads
        let work = geometry.angleCount * geometry.detectors * max(geometry.rows, geometry.columns)
        teamSize = max(1, min(requested, geometry.angleCount, work / 200_000, WorkerPool.capacity))
        let pair = PaddedLayout(lines: geometry.rows, width: geometry.columns).count
            + PaddedLayout(lines: geometry.columns, width: geometry.rows).count
        let (doubles, overflow) = pair.multipliedReportingOverflow(by: teamSize + 1)
        guard !overflow, doubles <= Int.max / 8 else { throw InverseKitError(.overflow, "Invalid geometry: too large") }
        self.work = try Workspace(bytes: doubles * 8, zeroed: true)
        try super.init(inputShape: slices.map { [$0] + image } ?? image,
                       outputShape: slices.map { [$0] + sinogram } ?? sinogram, inputType: type, outputType: type)
        WorkerPool.shared.reserve(members: teamSize)
    }

    override public var name: String { "Radon" }

    /// The interpolation weights are >= 0: the sums are the ray lengths A 1 and the sensitivity A^T 1.
    override public func absoluteSums(rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) throws -> Bool {
        try nonnegativeSums(rows: rows, columns: columns)
        return true
    }

    override public func forward(_ x: UnsafeRawPointer, into y: UnsafeMutableRawPointer) throws {
        switch precision {
        case .double: try project(Double.self, x, y)
        case .single: try project(Float.self, x, y)
        }
    }

    override public func backward(_ y: UnsafeRawPointer, into x: UnsafeMutableRawPointer) throws {
        switch precision {
        case .double: try backProject(Double.self, y, x)
        case .single: try backProject(Float.self, y, x)
        }
    }

    /// One ray's samples: for steps n in 0..<count, position u0 + n * du along the other axis.
    private struct Ray {
        var alongRows: Bool
        var u0: Double
        var du: Double
        var weight: Double
    }

    /// The rays of one angle: ray k starts at u0 + k * u0Step (the start is affine in the bin).
    private struct Fan {
        var alongRows: Bool
        var u0: Double
        var u0Step: Double
        var du: Double
        var weight: Double

        @inline(__always) func ray(_ k: Int) -> Ray {
            Ray(alongRows: alongRows, u0: u0 + Double(k) * u0Step, du: du, weight: weight)
        }
    }

    private func fan(angle: Int) -> Fan {
        let g = geometry, theta = g.angle(angle)
        let c = cos(theta), s = sin(theta)
        let first = -Double(g.detectors / 2) * g.spacing
        let cy = Double(g.rows / 2), cx = Double(g.columns / 2)
        if abs(c) >= abs(s) {
            // Row i: y = cy - i, x = (offset - y s) / c; column coordinate u = x + cx.
            return Fan(alongRows: true, u0: (first - cy * s) / c + cx, u0Step: g.spacing / c, du: s / c,
                       weight: 1 / abs(c))
        } else {
            // Column j: x = j - cx, y = (offset - x c) / s; row coordinate v = cy - y.
            return Fan(alongRows: false, u0: cy - (first + cx * c) / s, u0Step: -g.spacing / s, du: c / s,
                       weight: 1 / abs(s))
        }
    }

    // Both directions work on copies of the image with a one-pixel border of zeros, so that every
    // sample of a ray that touches the image interpolates between two in-bounds pixels: no bounds
    // branches in the inner loops, and floor() becomes a truncation of a positive number. Steep
    // rays step over the rows of the image; flat rays over the rows of its transpose. Either way a
    // sample's two pixels are neighbours in memory (one 16-byte load) and a ray walks one "line"
    // per step.

    /// A padded image, or its padded transpose: `lines` lines of `width` pixels, each line
    /// stored with a zero on either side.
    private struct PaddedLayout {
        let lines: Int
        let width: Int
        var stride: Int { width + 2 }
        var count: Int { (lines + 2) * stride }
    }

    private var rowLayout: PaddedLayout { PaddedLayout(lines: geometry.rows, width: geometry.columns) }
    private var columnLayout: PaddedLayout { PaddedLayout(lines: geometry.columns, width: geometry.rows) }

    private func project<T: BinaryFloatingPoint>(_: T.Type, _ xRaw: UnsafeRawPointer, _ yRaw: UnsafeMutableRawPointer) throws {
        let g = geometry, images = xRaw.assumingMemoryBound(to: T.self), sinograms = yRaw.assumingMemoryBound(to: T.self)
        let pixels = g.rows * g.columns, bins = g.angleCount * g.detectors
        let rowsL = rowLayout, columnsL = columnLayout
        try work.with { base in
        let padded = base.assumingMemoryBound(to: Double.self), transposed = padded + rowsL.count
        for slice in 0..<slices {
            let image = images + slice * pixels
            for i in 0..<g.rows {
                for j in 0..<g.columns {
                    let value = Double(image[i * g.columns + j])
                    padded[(i + 1) * rowsL.stride + j + 1] = value
                    transposed[(j + 1) * columnsL.stride + i + 1] = value
                }
            }
            let sinogram = sinograms + slice * bins
            ThreadTeam.run(size: teamSize) { rank, team in
                for a in partitionRange(count: g.angleCount, parts: team.size, rank: rank) {
                    let fan = self.fan(angle: a)
                    let (layout, lines) = fan.alongRows ? (rowsL, padded) : (columnsL, transposed)
                    for k in 0..<g.detectors {
                        sinogram[a * g.detectors + k] = T(Self.integrate(fan.ray(k), lines, layout))
                    }
                }
            }
        }
        }
    }

    @inline(__always)
    private static func integrate(_ r: Ray, _ lines: UnsafePointer<Double>, _ layout: PaddedLayout) -> Double {
        let (first, last) = validSteps(r, layout.lines, layout.width)
        if first > last { return 0 }
        // u + 1 in (0, width + 1): its truncation is floor(u) + 1, the padded index.
        return RadonLineKernels.samples(lines + layout.stride, r.u0 + 1, r.du, first, last, stride: layout.stride) * r.weight
    }

    /// The steps n with -1 + margin < u0 + n du < width - margin (first > last when there are none).
    @inline(__always)
    private static func validSteps(_ r: Ray, _ steps: Int, _ width: Int) -> (Int, Int) {
        guard r.u0.isFinite, r.du.isFinite else { return (1, 0) }
        // Samples closer than `margin` to the edge carry at most that fraction of a pixel; leaving
        // them out keeps the running positions inside the line. Each of the (at most `steps`)
        // additions that produce them errs by at most half an ulp of (width + 2), so the margin is
        // twice that total, and never less than 1e-9.
        let drift = Double(steps + 2) * Double(width + 2) * 0x1p-52
        let margin = Swift.max(1e-9, 2 * drift), low = -1 + margin, high = Double(width) - margin
        let inside = { (n: Int) -> Bool in
            let u = r.u0 + Double(n) * r.du
            return u > low && u < high
        }
        if r.du == 0 { return inside(0) ? (0, steps - 1) : (1, 0) }
        var lo = (low - r.u0) / r.du, hi = (high - r.u0) / r.du
        if lo > hi { swap(&lo, &hi) }
        // Clamp in Double before converting (truncating a value >= 0 is floor, without a libm
        // call), widen by one step each way, then settle the ends exactly.
        var first = max(0, Int(min(max(lo, 0), Double(steps))) - 1)
        var last = min(steps - 1, Int(min(max(hi, 0), Double(steps))) + 1)
        while first <= last && !inside(first) { first += 1 }
        while last >= first && !inside(last) { last -= 1 }
        return (first, last)
    }

    private func backProject<T: BinaryFloatingPoint>(_: T.Type, _ yRaw: UnsafeRawPointer,
                                                     _ xRaw: UnsafeMutableRawPointer) throws {
        let g = geometry, sinograms = yRaw.assumingMemoryBound(to: T.self), images = xRaw.assumingMemoryBound(to: T.self)
        let bins = g.angleCount * g.detectors, pixels = g.rows * g.columns
        let rowsL = rowLayout, columnsL = columnLayout
        let team = teamSize, size = rowsL.count + columnsL.count
        // Each thread scatters its angles into a private padded image and padded transpose, zeroed
        // by the thread for each slice; the pairs of the team that ran are then added.
        try work.with { base in
        let partial = base.assumingMemoryBound(to: Double.self) + size
        for slice in 0..<slices {
            let sinogram = sinograms + slice * bins
            let ran = ThreadTeam.run(size: team) { rank, team in
                let mine = partial + rank * size
                mine.update(repeating: 0, count: size)
                for a in partitionRange(count: g.angleCount, parts: team.size, rank: rank) {
                    let fan = self.fan(angle: a)
                    let (layout, lines) = fan.alongRows ? (rowsL, mine) : (columnsL, mine + rowsL.count)
                    for k in 0..<g.detectors {
                        let value = Double(sinogram[a * g.detectors + k])
                        if value == 0 { continue }
                        Self.spread(fan.ray(k), value, lines, layout)
                    }
                }
            }
            let image = images + slice * pixels
            for i in 0..<g.rows {
                for j in 0..<g.columns {
                    var total = 0.0
                    for t in 0..<ran {
                        let mine = partial + t * size
                        total += mine[(i + 1) * rowsL.stride + j + 1] + mine[rowsL.count + (j + 1) * columnsL.stride + i + 1]
                    }
                    image[i * g.columns + j] = T(total)
                }
            }
        }
        }
    }

    @inline(__always)
    private static func spread(_ r: Ray, _ value: Double, _ lines: UnsafeMutablePointer<Double>, _ layout: PaddedLayout) {
        let (first, last) = validSteps(r, layout.lines, layout.width)
        if first > last { return }
        RadonLineKernels.scatter(lines + layout.stride, r.u0 + 1, r.du, first, last, value * r.weight, stride: layout.stride)
    }

}
