import InverseKit

/// An independent, deliberately plain solver for the same problem (Chambolle-Pock primal-dual on
/// min_{lo <= x <= hi} 0.5||x - y||^2 + lambda sum_i w_i |grad x_i|), written index by index from
/// the definitions, used to check the library's FGP solver. Row-major arrays of any rank 2 or 3.
struct TVReference {
    let shape: [Int]
    var count: Int { shape.reduce(1, *) }
    var strides: [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) { s[axis] = s[axis + 1] * shape[axis + 1] }
        return s
    }

    func coordinate(_ index: Int, _ axis: Int) -> Int { (index / strides[axis]) % shape[axis] }

    func gradient(_ x: [Double]) -> [[Double]] {
        (0..<shape.count).map { axis in
            (0..<count).map { i in
                coordinate(i, axis) + 1 < shape[axis] ? x[i + strides[axis]] - x[i] : 0
            }
        }
    }

    /// -D^T p: the exact negative adjoint of `gradient`.
    func divergence(_ p: [[Double]]) -> [Double] {
        var d = [Double](repeating: 0, count: count)
        for axis in 0..<shape.count {
            for i in 0..<count where coordinate(i, axis) + 1 < shape[axis] {
                d[i] += p[axis][i]
                d[i + strides[axis]] -= p[axis][i]
            }
        }
        return d
    }

    func tv(_ x: [Double], weights: [Double]?, anisotropic: Bool) -> Double {
        let g = gradient(x)
        var sum = 0.0
        for i in 0..<count {
            let n = anisotropic ? g.reduce(0) { $0 + abs($1[i]) } : g.reduce(0) { $0 + $1[i] * $1[i] }.squareRoot()
            sum += (weights?[i] ?? 1) * n
        }
        return sum
    }

    func objective(_ x: [Double], _ y: [Double], lambda: Double, weights: [Double]?, anisotropic: Bool) -> Double {
        var fid = 0.0
        for i in 0..<count { fid += 0.5 * (x[i] - y[i]) * (x[i] - y[i]) }
        return fid + lambda * tv(x, weights: weights, anisotropic: anisotropic)
    }

    func solve(_ y: [Double], lambda: Double, weights: [Double]?, anisotropic: Bool,
               lower: Double, upper: Double, iterations: Int) -> [Double] {
        let d = shape.count
        let L = (4.0 * Double(d)).squareRoot()
        var tau = 1.0 / L, sigma = 1.0 / L
        var x = y.map { min(max($0, lower), upper) }
        var xBar = x
        var p = [[Double]](repeating: [Double](repeating: 0, count: count), count: d)
        for _ in 0..<iterations {
            let g = gradient(xBar)
            for i in 0..<count {
                let bound = lambda * (weights?[i] ?? 1)
                if anisotropic {
                    for c in 0..<d { p[c][i] = min(max(p[c][i] + sigma * g[c][i], -bound), bound) }
                } else {
                    var v = (0..<d).map { p[$0][i] + sigma * g[$0][i] }
                    let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    if n > bound { v = v.map { bound > 0 ? $0 * bound / n : 0 } }
                    for c in 0..<d { p[c][i] = v[c] }
                }
            }
            let div = divergence(p)
            let old = x
            for i in 0..<count {
                // prox of tau * (0.5||. - y||^2 + box) at x + tau div p
                let v = (x[i] + tau * div[i] + tau * y[i]) / (1 + tau)
                x[i] = min(max(v, lower), upper)
            }
            // Strong convexity (mu = 1) lets the steps accelerate (Chambolle-Pock, algorithm 2).
            let theta = 1 / (1 + 2 * tau).squareRoot()
            tau *= theta
            sigma /= theta
            for i in 0..<count { xBar[i] = x[i] + theta * (x[i] - old[i]) }
        }
        return x
    }
}

/// A deterministic pseudo-random generator (SplitMix64) so tests do not depend on the platform's.
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func uniforms(_ n: Int) -> [Double] { (0..<n).map { _ in uniform() } }
}

/// A piecewise-constant image plus noise: 0.2 on the left half of each row, 0.8 on the right, with
/// uniform noise of width 0.2.
func noisyImage(_ shape: [Int], seed: UInt64) -> [Double] {
    var rng = TestRandom(seed: seed)
    let count = shape.reduce(1, *)
    return (0..<count).map { i in (i % shape.last! < shape.last! / 2 ? 0.2 : 0.8) + 0.2 * (rng.uniform() - 0.5) }
}
