import Synchronization

/// Scratch memory an object sizes at creation and lends to one call at a time, so that applying
/// the object allocates nothing (FFTW's rule: executing touches only the plan and the caller's
/// arrays). Objects documented as safe to share between threads (operators) stay so: a call that
/// finds the workspace lent to another thread gets a temporary one of the same size for itself,
/// and only such a concurrent call allocates. The memory's contents persist between calls, so an
/// object may keep parts it never writes (zero borders) zeroed once, at creation.
package final class Workspace: @unchecked Sendable {
    package let bytes: Int
    private let storage: AlignedBuffer<UInt8>
    private let lent = Atomic<Bool>(false)
    /// Whether a temporary copy must be zeroed before use (the owned one was zeroed at creation).
    private let zeroed: Bool

    /// `zeroed`: the memory starts as zeros (and so does any temporary one).
    package init(bytes: Int, zeroed: Bool = false) throws {
        self.bytes = max(bytes, 1)
        self.zeroed = zeroed
        storage = try AlignedBuffer(count: self.bytes)
        if zeroed { storage.pointer.initialize(repeating: 0, count: self.bytes) }
    }

    /// Runs `body` with the workspace's memory (64-byte aligned, `bytes` long).
    package func with<R>(_ body: (UnsafeMutableRawPointer) throws -> R) throws -> R {
        if lent.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            defer { lent.store(false, ordering: .releasing) }
            return try withExtendedLifetime(storage) { try body(UnsafeMutableRawPointer(storage.pointer)) }
        }
        let temporary = try AlignedBuffer<UInt8>(count: bytes)
        if zeroed { temporary.pointer.initialize(repeating: 0, count: bytes) }
        return try withExtendedLifetime(temporary) { try body(UnsafeMutableRawPointer(temporary.pointer)) }
    }
}
