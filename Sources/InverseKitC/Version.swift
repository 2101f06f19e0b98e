import CInverseKitHeader

private let versionText: StaticString = "0.1.0"

@_cdecl("ik_version_string")
public func ikVersionString() -> UnsafePointer<CChar> { staticCString(versionText) }

@_cdecl("ik_version_number")
public func ikVersionNumber() -> Int32 { IK_VERSION_MAJOR * 10000 + IK_VERSION_MINOR * 100 + IK_VERSION_PATCH }

@_cdecl("ik_abi_version")
public func ikABIVersion() -> Int32 { IK_ABI_VERSION }
