/// Real numbers given as Doubles, stored once in an operator's precision (Float or Double):
/// matrices, diagonals, masks and coil maps are kept this way so that applying never converts.
extension AlignedBuffer where T == UInt8 {
    convenience init(reals values: UnsafeBufferPointer<Double>, precision: ScalarType.Precision) throws {
        let size = precision == .single ? 4 : 8
        try self.init(count: max(values.count, 1) * size)
        let raw = UnsafeMutableRawPointer(pointer)
        switch precision {
        case .single:
            let p = raw.assumingMemoryBound(to: Float.self)
            for (i, v) in values.enumerated() { p[i] = Float(v) }
        case .double:
            let p = raw.assumingMemoryBound(to: Double.self)
            for (i, v) in values.enumerated() { p[i] = v }
        }
    }
}
