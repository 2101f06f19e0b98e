/// f(x_1, ..., x_k) = sum_i f_i(x_i) over a stacked variable: the flat concatenation of the terms'
/// arguments (shape (sum of their element counts,)), all of one element type. Everything a
/// separable sum computes, it computes term by term, so it has the capabilities all terms share;
/// it is stateful when a term is.
public final class SeparableSum: Functional {
    public let terms: [Functional]
    private let offsets: [Int]   // byte offset of each term's block

    public init(_ terms: [Functional]) throws {
        guard let first = terms.first else {
            throw InverseKitError(.invalidArgument, "Invalid terms: a separable sum needs at least one term")
        }
        var offsets: [Int] = [], total = 0, elements = 0
        for (i, term) in terms.enumerated() {
            guard term.type == first.type else {
                throw InverseKitError(.unsupportedType, "Invalid terms[\(i)]: dtype \(term.type) differs from terms[0]'s \(first.type)")
            }
            offsets.append(total)
            let (next, overflow) = elements.addingReportingOverflow(term.count)
            guard !overflow else { throw InverseKitError(.overflow, "Invalid terms: too many elements in all") }
            elements = next
            total += term.bytes
        }
        self.terms = terms
        self.offsets = offsets
        try super.init(shape: [elements], type: first.type)
    }

    override public var name: String { "separable sum" }
    override public var capabilities: FunctionalCapabilities {
        var shared = terms.reduce(FunctionalCapabilities(rawValue: ~0)) { $0.intersection($1.capabilities) }
        if terms.contains(where: { $0.capabilities.contains(.stateful) }) { shared.insert(.stateful) } else { shared.remove(.stateful) }
        return shared
    }
    override public var gradientLipschitz: Double { terms.map(\.gradientLipschitz).max() ?? .infinity }
    override public var strongConvexity: Double { terms.map(\.strongConvexity).min() ?? 0 }
    override public var isQuadratic: Bool { terms.allSatisfy(\.isQuadratic) }

    override public func evaluate(_ x: UnsafeRawPointer) throws -> Double {
        var total = 0.0
        for (term, offset) in zip(terms, offsets) { total += try term.evaluateChecked(x + offset) }
        return total
    }

    override public func evaluateConjugate(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        var total = 0.0
        for (term, offset) in zip(terms, offsets) { total += try term.conjugateChecked(s + offset, scale: c) }
        return total
    }

    override public func computeDualScale(_ s: UnsafeRawPointer, scale c: Double) throws -> Double {
        var smallest = 1.0
        for (term, offset) in zip(terms, offsets) { smallest = min(smallest, try term.dualScaleChecked(s + offset, scale: c)) }
        return smallest
    }

    override public func computeGradient(_ x: UnsafeRawPointer, into g: UnsafeMutableRawPointer) throws {
        for (term, offset) in zip(terms, offsets) { try term.gradient(x + offset, into: g + offset) }
    }

    override public func computeProx(_ v: UnsafeRawPointer, step tau: Double, into x: UnsafeMutableRawPointer) throws {
        for (term, offset) in zip(terms, offsets) { try term.prox(v + offset, step: tau, into: x + offset) }
    }

    override public func computeProxConjugate(_ v: UnsafeRawPointer, step sigma: Double,
                                              into s: UnsafeMutableRawPointer) throws {
        for (term, offset) in zip(terms, offsets) { try term.proxConjugate(v + offset, step: sigma, into: s + offset) }
    }
}
