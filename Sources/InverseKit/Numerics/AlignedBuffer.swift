#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An owned, 64-byte aligned, uninitialised buffer of `count` scalars. Allocation failure is an
/// error, not a trap, so that a huge request from a caller ends in a status instead of an abort.
public final class AlignedBuffer<T> {
    public let pointer: UnsafeMutablePointer<T>
    public let count: Int

    public init(count: Int) throws {
        let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard count >= 0, !overflow else {
            throw InverseKitError(.overflow, "Work buffer of \(count) elements overflows the address space")
        }
        var raw: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&raw, 64, bytes) == 0, let memory = raw else {
            throw InverseKitError(.outOfMemory, "Could not allocate a work buffer of \(bytes) bytes")
        }
        self.pointer = memory.bindMemory(to: T.self, capacity: max(count, 1))
        self.count = count
    }

    /// A buffer whose elements are all `value`.
    public convenience init(repeating value: T, count: Int) throws {
        try self.init(count: count)
        pointer.initialize(repeating: value, count: count)
    }

    deinit { free(pointer) }
}
