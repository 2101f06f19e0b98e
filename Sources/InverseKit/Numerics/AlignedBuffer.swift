#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Work buffers allocated since the process began; tests read it to show that applying an object
/// allocates none.
package let workBuffersAllocated = Atomic<Int>(0)

/// An owned, 64-byte aligned, uninitialised buffer of `count` scalars. Allocation failure is an
/// error, not a trap, so that a huge request from a caller ends in a status instead of an abort.
package final class AlignedBuffer<T> {
    package let pointer: UnsafeMutablePointer<T>
    package let count: Int

    package init(count: Int) throws {
        let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard count >= 0, !overflow else {
            throw InverseKitError(.overflow, "Work buffer of \(count) elements overflows the address space")
        }
        // Large buffers start on a 2 MiB boundary and ask for transparent huge pages: a solver's
        // first pass over hundreds of megabytes otherwise takes a page fault every 4 KiB.
        let huge = bytes >= Self.hugeThreshold
        var raw: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&raw, huge ? Self.hugePage : 64, bytes) == 0, let memory = raw else {
            throw InverseKitError(.outOfMemory, "Could not allocate a work buffer of \(bytes) bytes")
        }
        #if os(Linux)
        if huge { _ = madvise(memory, bytes, MADV_HUGEPAGE) } // advice only: failure changes nothing
        #endif
        workBuffersAllocated.wrappingAdd(1, ordering: .relaxed)
        self.pointer = memory.bindMemory(to: T.self, capacity: max(count, 1))
        self.count = count
    }

    /// A buffer whose elements are all `value`.
    package convenience init(repeating value: T, count: Int) throws {
        try self.init(count: count)
        pointer.initialize(repeating: value, count: count)
    }

    /// A copy of `values` (so that array-taking conveniences can hand a buffer to the
    /// buffer-taking initialisers, which they cannot call from inside `withUnsafeBufferPointer`).
    package convenience init(copying values: [T]) throws {
        try self.init(count: values.count)
        values.withUnsafeBufferPointer { copy(from: $0) }
    }

    private func copy(from values: UnsafeBufferPointer<T>) {
        if let base = values.baseAddress { pointer.initialize(from: base, count: values.count) }
    }

    /// A copy of `values`.
    package convenience init(copying values: UnsafeBufferPointer<T>) throws {
        try self.init(count: values.count)
        copy(from: values)
    }

    /// The elements as a buffer.
    package var buffer: UnsafeBufferPointer<T> { UnsafeBufferPointer(start: pointer, count: count) }

    /// Throws `.outOfMemory` unless `bytes` can be allocated now (the memory is released again).
    /// For allocations the library does not make itself and that end the process when they fail:
    /// Swift arrays, and FFTW's planner, which aborts when its own allocation fails.
    package static func requireAllocatable(bytes: Int) throws {
        guard bytes >= 0, let probe = malloc(Swift.max(bytes, 1)) else {
            throw InverseKitError(.outOfMemory, "Out of memory: could not allocate \(bytes) bytes")
        }
        free(probe)
    }

    private static var hugePage: Int { 2 << 20 }
    private static var hugeThreshold: Int { 8 << 20 }

    deinit { free(pointer) }
}
