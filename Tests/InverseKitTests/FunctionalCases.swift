import Foundation
import InverseKit

/// The shared functional cases of Tests/cases/functionals.txt, built through the Swift API.
struct FunctionalCase: CustomStringConvertible {
    let kind: String
    let type: ScalarType
    let shape: [Int]
    let parameters: [String: String]
    let line: Int

    var description: String { "line \(line): \(kind) \(type) \(shape) \(parameters)" }
    var count: Int { shape.reduce(1, *) }
    var reals: Int { count * type.components }
    var isSingle: Bool { type.precision == .single }

    func tolerance(gradient: Bool) -> Double {
        if let t = parameters[gradient ? "gradient_tol" : "tol"].flatMap(Double.init) { return t }
        return gradient ? (isSingle ? 2e-2 : 1e-6) : (isSingle ? 2e-4 : 1e-9)
    }

    static func load() throws -> [FunctionalCase] {
        try CaseLine.load("functionals").map {
            FunctionalCase(kind: $0.kind, type: $0.type, shape: $0.shape, parameters: $0.parameters, line: $0.line)
        }
    }

    // The data formulas of the case file.
    static func weights(_ n: Int) -> [Double] { (0..<n).map { 0.25 + 0.25 * Double($0 % 5) } }
    static func centre(_ reals: Int) -> [Double] { (0..<reals).map { 0.5 * sin(Double($0 + 1)) } }
    static func counts(_ n: Int) -> [Double] { (0..<n).map { Double((7 * $0) % 5) } }
    static func background(_ n: Int) -> [Double] { (0..<n).map { 0.1 + 0.05 * Double($0 % 3) } }
    static func mask(_ n: Int) -> [Double] { (0..<n).map { $0 % 3 != 0 ? 1 : 0 } }

    func number(_ key: String) throws -> Double { try CaseLine.number(parameters, key, "\(self)") }

    func makeOperator() throws -> LinearOperator {
        switch parameters["op"] {
        case "gradient": return try GradientOperator(shape: shape, type: type)
        case "mask": return try DiagonalOperator(shape: shape, mask: Self.mask(count), dataType: type)
        case "convolution":
            let kernel = [0, 1, 0, 1, 4, 1, 0, 1, 0].map { $0 / 8.0 }
            return try ConvolutionOperator(shape: shape, kernel: kernel, kernelShape: [3, 3], boundary: .periodic,
                                           precision: type.precision)
        case "fourier":
            return try FourierOperator(shape: shape, mask: Self.mask(count), coilMaps: nil, coils: 1, centered: false,
                                       precision: type.precision)
        default: throw CaseError("\(self): unknown op")
        }
    }

    func make() throws -> Functional {
        let weighted = parameters["weights"] == "1"
        switch kind {
        case "l1":
            return weighted ? try L1Norm(shape: shape, type: type, weights: Self.weights(count))
                            : try L1Norm(shape: shape, type: type)
        case "squared_l2": return try SquaredL2Norm(shape: shape, type: type)
        case "group_l21": return try GroupL21Norm(shape: shape, type: type, axis: Int(try number("axis")))
        case "scaled_group_l21":
            return try ScaledFunctional(GroupL21Norm(shape: shape, type: type, axis: Int(try number("axis"))), scale: try number("scale"))
        case "box": return try BoxIndicator(shape: shape, type: type, lower: try number("lower"), upper: try number("upper"))
        case "nonnegative": return try BoxIndicator(nonnegativeShape: shape, type: type)
        case "l2_ball":
            return try L2BallIndicator(centre: Self.centre(reals), shape: shape, type: type, radius: try number("radius"))
        case "kl":
            return try KullbackLeibler(counts: Self.counts(count),
                                       background: parameters["background"] == "1" ? Self.background(count) : nil,
                                       shape: shape, type: type)
        case "least_squares":
            let a = try makeOperator()
            let data = Self.centre(a.outputCount * a.outputType.components)
            return try LeastSquares(operator: a, data: data, weights: weighted ? Self.weights(a.outputCount) : nil)
        case "tikhonov": return try LeastSquares(tikhonov: try makeOperator())
        case "tv":
            var options = TVOptions()
            options.norm = parameters["norm"] == "anisotropic" ? .anisotropic : .isotropic
            options.tolerance = isSingle ? 1e-5 : 1e-10
            options.maxIterations = 3000
            if parameters["lower"] != nil { options.lower = try number("lower") }
            if parameters["upper"] != nil { options.upper = try number("upper") }
            return weighted ? try TVFunctional(shape: shape, type: type, options: options, weights: Self.weights(count))
                            : try TVFunctional(shape: shape, type: type, options: options)
        case "scaled_l1": return try ScaledFunctional(try L1Norm(shape: shape, type: type), scale: try number("scale"))
        case "translated_l2": return try TranslatedFunctional(try SquaredL2Norm(shape: shape, type: type), offset: Self.centre(reals))
        case "translated_l1": return try TranslatedFunctional(try L1Norm(shape: shape, type: type), offset: Self.centre(reals))
        case "composed_l2":
            let k = try makeOperator()
            return try ComposedFunctional(try SquaredL2Norm(shape: k.outputShape, type: k.outputType), operator: k)
        case "separable":
            return try SeparableSum([try L1Norm(shape: shape, type: type), try SquaredL2Norm(shape: shape, type: type)])
        default: throw CaseError("\(self): unknown kind")
        }
    }
}
