import CInverseKitHeader
import InverseKit
#if canImport(Glibc)
import Glibc
#endif

/// An error raised in the C layer itself (argument checks), already carrying its status code.
struct CAPIError: Error {
    let status: ik_status
    let message: String
    init(_ status: ik_status, _ message: String) {
        self.status = status
        self.message = message
    }
}

extension InverseKitError.Kind {
    var status: ik_status {
        switch self {
        case .invalidArgument: return IK_ERR_INVALID_ARGUMENT
        case .unsupportedType: return IK_ERR_UNSUPPORTED_DTYPE
        case .shape: return IK_ERR_SHAPE
        case .layout: return IK_ERR_LAYOUT
        case .overflow: return IK_ERR_OVERFLOW
        case .notFinite: return IK_ERR_NOT_FINITE
        case .outOfMemory: return IK_ERR_OUT_OF_MEMORY
        case .callback: return IK_ERR_CALLBACK
        case .internalError: return IK_ERR_INTERNAL
        }
    }
}

// MARK: Per-thread message

private let messageCapacity = 1024

/// One library-owned buffer per thread, freed by the key's destructor when the thread exits.
private let messageKey: pthread_key_t? = {
    var key = pthread_key_t()
    guard pthread_key_create(&key, { free($0) }) == 0 else { return nil }
    return key
}()

private let emptyMessage: StaticString = ""

private func messageBuffer() -> UnsafeMutablePointer<CChar>? {
    guard let key = messageKey else { return nil }
    if let existing = pthread_getspecific(key) { return existing.assumingMemoryBound(to: CChar.self) }
    guard let fresh = calloc(messageCapacity, 1) else { return nil }
    guard pthread_setspecific(key, fresh) == 0 else {
        free(fresh)
        return nil
    }
    return fresh.assumingMemoryBound(to: CChar.self)
}

/// Stores `message` (truncated to the buffer at a UTF-8 character boundary) as this thread's.
func setLastError(_ message: String) {
    guard let buffer = messageBuffer() else { return }
    var bytes = Array(message.utf8.prefix(messageCapacity - 1))
    // Do not cut a multi-byte character in half.
    if bytes.count == messageCapacity - 1 {
        while let last = bytes.last, last & 0xC0 == 0x80 { bytes.removeLast() }
        if let last = bytes.last, last >= 0xC0 { bytes.removeLast() }
    }
    for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
    buffer[bytes.count] = 0
}

func clearLastError() {
    guard let key = messageKey, let existing = pthread_getspecific(key) else { return }
    existing.assumingMemoryBound(to: CChar.self)[0] = 0
}

func lastErrorPointer() -> UnsafePointer<CChar> {
    if let key = messageKey, let existing = pthread_getspecific(key) {
        return UnsafePointer(existing.assumingMemoryBound(to: CChar.self))
    }
    return staticCString(emptyMessage)
}

func staticCString(_ s: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// Runs one API call: clears the message, turns any thrown error into its status and message.
func apiCall(_ body: () throws -> Void) -> Int32 {
    clearLastError()
    do {
        try body()
        return IK_OK.rawValue
    } catch let error as CAPIError {
        setLastError(error.message)
        return error.status.rawValue
    } catch let error as InverseKitError {
        setLastError(error.message)
        return error.kind.status.rawValue
    } catch {
        setLastError("Internal error: \(error)")
        return IK_ERR_INTERNAL.rawValue
    }
}
