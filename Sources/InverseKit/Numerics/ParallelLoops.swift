/// Loops split between the threads of the worker pool: one contiguous range per thread, when the
/// work (in reals touched) is large enough to pay for handing it out. Each range's result depends
/// only on its elements, and sums are added in thread order, so a given thread count always gives
/// the same bits.
package enum ParallelLoops {
    /// Below this many reals of work, one thread does it all (the hand-off costs a few
    /// microseconds, a pass over this much memory about as long).
    static var threshold: Int { 1 << 16 }
    private static let cores = ThreadTeam.availableCores

    /// Threads worth using for `work` reals.
    @inline(__always)
    static func threads(_ work: Int) -> Int {
        work < threshold ? 1 : min(cores, work / (threshold / 2))
    }

    /// Runs body(range) over a partition of 0..<count.
    @inline(__always)
    package static func ranges(_ count: Int, work: Int, _ body: @escaping (Range<Int>) -> Void) {
        let parts = min(threads(work), count)
        if parts <= 1 {
            body(0..<count)
            return
        }
        ThreadTeam.run(size: parts) { rank, team in body(partitionRange(count: count, parts: team.size, rank: rank)) }
    }

    /// The sum over a partition of 0..<count of body(range).
    @inline(__always)
    package static func sum(_ count: Int, work: Int, _ body: @escaping (Range<Int>) -> Double) -> Double {
        reduce(count, work: work, body) { parts in parts.reduce(0, +) }
    }

    /// The largest over a partition of 0..<count of body(range) (NaN if any part is NaN).
    @inline(__always)
    package static func maximum(_ count: Int, work: Int, _ body: @escaping (Range<Int>) -> Double) -> Double {
        reduce(count, work: work, body) { parts in
            parts.contains { $0.isNaN } ? .nan : parts.reduce(0.0) { Swift.max($0, $1) }
        }
    }

    /// body(range) per thread's range, combined in thread order by `combine`.
    @inline(__always)
    private static func reduce(_ count: Int, work: Int, _ body: @escaping (Range<Int>) -> Double,
                               _ combine: (UnsafeBufferPointer<Double>) -> Double) -> Double {
        let parts = min(threads(work), count)
        if parts <= 1 { return body(0..<count) }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 9 * parts) { slots in
            let base = slots.baseAddress!
            // One cache line per thread; the results are gathered after the spaced slots.
            let ran = ThreadTeam.run(size: parts) { rank, team in
                base[8 * rank] = body(partitionRange(count: count, parts: team.size, rank: rank))
            }
            let gathered = base + 8 * parts
            for rank in 0..<ran { gathered[rank] = base[8 * rank] }
            return combine(UnsafeBufferPointer(start: gathered, count: ran))
        }
    }
}
