/// An objective whose every term is a weighted least-squares residual, written as one stacked
/// system: P(x) = (1/2) ||A x - b||^2 with the blocks
///     A_i = sqrt(c_i W_i) M_i K_i,   b_i = sqrt(c_i W_i) b_i'
/// for the terms (c_i/2) ||M_i K_i x - b_i'||_W_i^2 (G, if present, is a block with K = I). This
/// is what CGLS and LSQR iterate on: products with A and A^H and inner products in the stacked
/// output space. Work buffers are made here, once; applying allocates nothing.
final class LeastSquaresSystem {
    private struct Block {
        /// The chain K_i then M_i (empty: the identity).
        let operators: [LinearOperator]
        /// Where the block starts in the stacked output, in bytes, and its length in reals.
        let start: Int
        let reals: Int
        /// sqrt(c) when unweighted, else sqrt(c w_j) per element (the block's precision).
        let rootScale: Double
        let rootWeights: AlignedBuffer<UInt8>?
        let components: Int
        /// The intermediate images of the chain (all but the last operator's output).
        let intermediates: [AlignedBuffer<UInt8>]
    }

    let precision: ScalarType.Precision
    /// Reals of x and of the stacked output.
    let inputReals: Int
    let outputReals: Int
    /// A lower bound on the smallest eigenvalue of A^H A: the blocks with no operator and no
    /// weights contribute c each.
    let strongConvexity: Double
    private let blocks: [Block]
    private let inputScratch: AlignedBuffer<UInt8>
    /// One block's worth of the stacked output, weighted before an adjoint.
    private let weightedBlock: AlignedBuffer<UInt8>
    /// b, stacked.
    let data: AlignedBuffer<UInt8>
    private let owners: [AnyObject]

    /// Throws `invalidArgument` naming the first term that is not a least-squares residual.
    convenience init(_ objective: CompositeObjective, method: String) throws {
        var parts: [(LeastSquaresForm, LinearOperator?)] = []
        for (i, term) in objective.terms.enumerated() {
            guard let form = term.functional.leastSquaresForm else {
                throw InverseKitError(.invalidArgument, "Invalid terms[\(i)]: \(term.functional.name) is not a least-squares term (c/2)||M z - b||^2; \(method) needs every term to be one (use pdhg or fista)")
            }
            parts.append((form, term.linearOperator))
        }
        if let g = objective.g {
            guard let form = g.leastSquaresForm else {
                throw InverseKitError(.invalidArgument, "Invalid g: \(g.name) is not a least-squares term (c/2)||M x - b||^2; \(method) needs it to be one (use pdhg or fista)")
            }
            parts.append((form, nil))
        }
        try self.init(parts: parts, count: objective.count, type: objective.type)
    }

    /// The system of the blocks (c/2) ||M K x - b||_W^2 given as (form, K) (K nil: the identity),
    /// for x of `count` elements of `type`.
    init(parts: [(LeastSquaresForm, LinearOperator?)], count: Int, type: ScalarType) throws {
        precision = type.precision
        inputReals = count * type.components
        let size = precision == .single ? 4 : 8
        var blocks: [Block] = [], offset = 0, mu = 0.0
        var owners: [AnyObject] = []
        for (form, k) in parts {
            let chain = (k.map { [$0] } ?? []) + form.operators
            let last = chain.last
            let elements = last?.outputCount ?? count
            let components = (last?.outputType ?? type).components
            let reals = elements * components
            let rootScale = form.scale.squareRoot()
            var rootWeights: AlignedBuffer<UInt8>? = nil
            if let w = form.weights {
                let buffer = try AlignedBuffer<UInt8>(count: elements * size)
                switch precision {
                case .single:
                    let from = w.assumingMemoryBound(to: Float.self), to = UnsafeMutableRawPointer(buffer.pointer).assumingMemoryBound(to: Float.self)
                    for j in 0..<elements { to[j] = (Float(form.scale) * from[j]).squareRoot() }
                case .double:
                    let from = w.assumingMemoryBound(to: Double.self), to = UnsafeMutableRawPointer(buffer.pointer).assumingMemoryBound(to: Double.self)
                    for j in 0..<elements { to[j] = (form.scale * from[j]).squareRoot() }
                }
                rootWeights = buffer
            }
            if chain.isEmpty && rootWeights == nil { mu += form.scale }
            let intermediates = try chain.dropLast().map { try AlignedBuffer<UInt8>(count: max($0.outputBytes, 1)) }
            blocks.append(Block(operators: chain, start: offset * size, reals: reals, rootScale: rootScale,
                                rootWeights: rootWeights, components: components, intermediates: intermediates))
            owners.append(contentsOf: form.owners)
            offset += reals
        }
        self.blocks = blocks
        self.owners = owners
        outputReals = offset
        strongConvexity = mu
        inputScratch = try AlignedBuffer(count: max(count * type.size, 1))
        weightedBlock = try AlignedBuffer(count: max((blocks.map(\.reals).max() ?? 1) * size, 1))
        data = try AlignedBuffer(count: max(offset * size, 1))
        // b, weighted and scaled like A.
        for (block, (form, _)) in zip(blocks, parts) {
            let target = UnsafeMutableRawPointer(data.pointer) + block.start
            if let b = form.offset {
                target.copyMemory(from: b, byteCount: block.reals * size)
                weigh(block, target)
            } else {
                target.initializeMemory(as: UInt8.self, repeating: 0, count: block.reals * size)
            }
        }
    }

    /// Replaces block i's b by `values` (its unweighted reals).
    func setOffset(block i: Int, _ values: UnsafeRawPointer) {
        let block = blocks[i], target = UnsafeMutableRawPointer(data.pointer) + block.start
        Reals.copy(precision, values, into: target, block.reals)
        weigh(block, target)
    }

    /// u = A v (u stacked).
    func apply(_ v: UnsafeRawPointer, into u: UnsafeMutableRawPointer) throws {
        for block in blocks {
            let out = u + block.start
            var source = v
            for (j, op) in block.operators.enumerated() {
                let target = j == block.operators.count - 1 ? out : UnsafeMutableRawPointer(block.intermediates[j].pointer)
                try op.apply(source, into: target)
                source = UnsafeRawPointer(target)
            }
            if block.operators.isEmpty { Reals.copy(precision, v, into: out, block.reals) }
            weigh(block, out)
        }
        withExtendedLifetime(owners) {}
    }

    /// v = A^H u; `u` is left as it was.
    func applyAdjoint(_ u: UnsafeRawPointer, into v: UnsafeMutableRawPointer) throws {
        for (index, block) in blocks.enumerated() {
            let target = index == 0 ? v : UnsafeMutableRawPointer(inputScratch.pointer)
            let chain = block.operators
            if chain.isEmpty {
                Reals.copy(precision, u + block.start, into: target, block.reals)
                weigh(block, target)
            } else {
                // Weigh a copy of the block, then take the adjoints down the chain.
                let weighted = UnsafeMutableRawPointer(weightedBlock.pointer)
                Reals.copy(precision, u + block.start, into: weighted, block.reals)
                weigh(block, weighted)
                var source = UnsafeRawPointer(weighted)
                for j in stride(from: chain.count - 1, through: 0, by: -1) {
                    let out = j == 0 ? target : UnsafeMutableRawPointer(block.intermediates[j - 1].pointer)
                    try chain[j].applyAdjoint(source, into: out)
                    source = UnsafeRawPointer(out)
                }
            }
            if index > 0 { Reals.combine(precision, 1, v, 1, UnsafeRawPointer(target), into: v, inputReals) }
        }
        withExtendedLifetime(owners) {}
    }

    /// Weighting (sqrt(c w)) of a block in place.
    private func weigh(_ block: Block, _ p: UnsafeMutableRawPointer) {
        if let w = block.rootWeights {
            switch precision {
            case .single: Self.multiply(p.assumingMemoryBound(to: Float.self), UnsafeRawPointer(w.pointer).assumingMemoryBound(to: Float.self), block.reals / block.components, block.components)
            case .double: Self.multiply(p.assumingMemoryBound(to: Double.self), UnsafeRawPointer(w.pointer).assumingMemoryBound(to: Double.self), block.reals / block.components, block.components)
            }
        } else if block.rootScale != 1 {
            Reals.scale(precision, block.rootScale, p, block.reals)
        }
    }

    private static func multiply<T: BinaryFloatingPoint>(_ p: UnsafeMutablePointer<T>, _ w: UnsafePointer<T>, _ n: Int,
                                                         _ components: Int) {
        if components == 1 {
            for j in 0..<n { p[j] *= w[j] }
        } else {
            for j in 0..<n { for c in 0..<components { p[components * j + c] *= w[j] } }
        }
    }

    /// <a, b> in the stacked output space (real part).
    func outputDot(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer) -> Double {
        Reals.dot(precision, a, b, outputReals)
    }
}
