import CInverseKitHeader

@_cdecl("ik_status_string")
public func ikStatusString(_ status: Int32) -> UnsafePointer<CChar> {
    let text: StaticString
    switch status {
    case IK_OK.rawValue: text = "ok"
    case IK_ERR_NULL_POINTER.rawValue: text = "null pointer"
    case IK_ERR_INVALID_ARGUMENT.rawValue: text = "invalid argument"
    case IK_ERR_UNSUPPORTED_DTYPE.rawValue: text = "unsupported dtype"
    case IK_ERR_UNSUPPORTED_DEVICE.rawValue: text = "unsupported device"
    case IK_ERR_SHAPE.rawValue: text = "shape mismatch"
    case IK_ERR_LAYOUT.rawValue: text = "invalid memory layout"
    case IK_ERR_OVERFLOW.rawValue: text = "size overflow"
    case IK_ERR_NOT_FINITE.rawValue: text = "non-finite value"
    case IK_ERR_OUT_OF_MEMORY.rawValue: text = "out of memory"
    case IK_ERR_STRUCT_VERSION.rawValue: text = "unrecognised struct version"
    case IK_ERR_CALLBACK.rawValue: text = "callback failed"
    case IK_ERR_INTERNAL.rawValue: text = "internal error"
    case IK_ERR_UNAVAILABLE.rawValue: text = "compute library unavailable"
    default: text = "unknown status"
    }
    return staticCString(text)
}

@_cdecl("ik_last_error_message")
public func ikLastErrorMessage() -> UnsafePointer<CChar> { lastErrorPointer() }
