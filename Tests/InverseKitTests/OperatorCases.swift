import Foundation
import InverseKit

/// The shared operator cases of Tests/cases/operators.txt, built through the Swift API.
struct OperatorCase: CustomStringConvertible {
    let base: CaseLine
    /// The case's dtype, or its precision changed (real or complex kept) for the precision pairs.
    let type: ScalarType

    init(_ base: CaseLine, precision: ScalarType.Precision? = nil) {
        self.base = base
        type = precision.map { ScalarType(precision: $0, complex: base.type.isComplex) } ?? base.type
    }

    var description: String { "operators.txt line \(base.line): \(base.kind) \(type) \(base.shape) \(base.parameters)" }
    var shape: [Int] { base.shape }
    var real: ScalarType { ScalarType(precision: type.precision, complex: false) }
    var tolerance: Double {
        base.parameters["tol"].flatMap(Double.init) ?? (type.precision == .single ? 1e-5 : 1e-12)
    }

    static func load(precision: ScalarType.Precision? = nil) throws -> [OperatorCase] {
        try CaseLine.load("operators").map { OperatorCase($0, precision: precision) }
    }

    // The data formulas of the case file, per real index i.
    static func inputVector(_ reals: Int, second: Bool = false) -> [Double] {
        (0..<reals).map { second ? cos(0.9 * Double($0) + 0.2) : sin(1.3 * Double($0) + 0.7) }
    }
    static func values(_ reals: Int) -> [Double] { (0..<reals).map { 0.5 * sin(Double($0) + 1) } }
    static func kernel(_ n: Int) -> [Double] { (0..<n).map { 0.25 + 0.25 * Double($0 % 5) } }
    static func mask(_ n: Int) -> [Double] { (0..<n).map { $0 % 3 != 0 ? 1 : 0 } }

    private func parameter(_ key: String) throws -> Double { try CaseLine.number(base.parameters, key, "\(self)") }

    func make() throws -> LinearOperator {
        let count = shape.reduce(1, *)
        switch base.kind {
        case "identity": return try IdentityOperator(shape: shape, type: type)
        case "scaling": return try ScalingOperator(shape: shape, type: type, scale: try parameter("scale"))
        case "diagonal":
            let complex = base.parameters["complex"] == "1"
            let diagonalType = complex ? type : real
            return try DiagonalOperator(shape: shape, diagonal: Self.values(count * diagonalType.components),
                                        diagonalType: diagonalType, dataType: type)
        case "mask": return try DiagonalOperator(shape: shape, mask: Self.mask(count), dataType: type)
        case "gradient": return try GradientOperator(shape: shape, type: type)
        case "divergence": return try DivergenceOperator(shape: shape, type: type)
        case "matrix":
            return try DenseMatrixOperator(rows: shape[0], columns: shape[1], entries: Self.values(count * type.components),
                                           type: type)
        case "csr":
            var indptr = [0], indices: [Int] = []
            for r in 0..<shape[0] {
                for c in 0..<shape[1] where (r + 2 * c) % 3 == 0 { indices.append(c) }
                indptr.append(indices.count)
            }
            return try SparseCSROperator(rows: shape[0], columns: shape[1], indptr: indptr, indices: indices,
                                         values: Self.values(indices.count * type.components), type: type)
        case "convolution":
            let kernelShape = CaseLine.extents(base.parameters["kernel"] ?? "")
            let boundaries: [String: ConvolutionOperator.Boundary] = ["periodic": .periodic, "same": .same, "valid": .valid]
            guard let boundary = boundaries[base.parameters["boundary"] ?? ""] else { throw CaseError("\(self): boundary") }
            return try ConvolutionOperator(shape: shape, kernel: Self.kernel(kernelShape.reduce(1, *)), kernelShape: kernelShape,
                                           boundary: boundary, precision: type.precision)
        case "super_resolution":
            let kernelShape = CaseLine.extents(base.parameters["kernel"] ?? "")
            return try SuperResolutionOperator(shape: shape, kernel: Self.kernel(kernelShape.reduce(1, *)),
                                               kernelShape: kernelShape, factor: Int(try parameter("factor")),
                                               precision: type.precision)
        case "fourier":
            let coils = Int(try parameter("coils"))
            return try FourierOperator(shape: shape, mask: Self.mask(count),
                                       coilMaps: coils > 0 ? Self.values(2 * coils * count) : nil, coils: max(coils, 1),
                                       centered: base.parameters["centered"] == "1", precision: type.precision)
        case "radon":
            let angles = Int(try parameter("angles"))
            let geometry = try ParallelBeamGeometry(
                rows: shape[shape.count - 2], columns: shape[shape.count - 1],
                angles: (0..<angles).map { Double($0) * .pi / Double(angles) },
                detectors: base.parameters["detectors"].flatMap(Int.init),
                spacing: base.parameters["spacing"].flatMap(Double.init) ?? 1)
            return try RadonOperator(geometry: geometry, slices: shape.count == 3 ? shape[0] : nil, precision: type.precision,
                                     threads: base.parameters["threads"].flatMap(Int.init) ?? 0)
        default: break
        }
        let g = try GradientOperator(shape: shape, type: type)
        switch base.kind {
        case "product":
            let d = try DiagonalOperator(shape: g.outputShape, diagonal: Self.values(g.outputCount), diagonalType: real,
                                         dataType: type)
            return try ProductOperator(d, g)
        case "sum":
            return try SumOperator([g, try ProductOperator(try GradientOperator(shape: shape, type: type),
                                                           try ScalingOperator(shape: shape, type: type, scale: 3))])
        case "stack": return try StackOperator([g, try IdentityOperator(shape: shape, type: type)])
        case "block_diagonal":
            if base.parameters["mixed"] == "1" {
                return try BlockDiagonalOperator([g, try IdentityOperator(shape: [3], type: type)])
            }
            return try BlockDiagonalOperator(repeating: g, count: Int(try parameter("count")))
        case "adjoint": return try AdjointOperator(g)
        case "normal": return try NormalOperator(g)
        case "scaled":
            return try ProductOperator(try ScalingOperator(shape: g.outputShape, type: type, scale: try parameter("scale")), g)
        default: throw CaseError("\(self): unknown kind")
        }
    }
}
