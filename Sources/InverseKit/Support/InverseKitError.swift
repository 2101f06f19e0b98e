/// Errors raised by the core. Each carries a message that names the argument and the problem; the
/// C layer maps the kind onto a status code.
public struct InverseKitError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Equatable, Sendable {
        case invalidArgument
        case unsupportedType
        case shape
        case layout
        case overflow
        case notFinite
        case outOfMemory
        case callback
        case internalError
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// Throws `.notFinite` naming the first NaN or infinity among `values` (reals; `components` per
/// element, 2 for interleaved complex): "Invalid kernel: element 3 is not finite".
func requireFinite(_ values: UnsafeBufferPointer<Double>, _ name: String, item: String = "element",
                   components: Int = 1) throws {
    if let bad = values.firstIndex(where: { !$0.isFinite }) {
        throw InverseKitError(.notFinite, "Invalid \(name): \(item) \(bad / components) is not finite (\(values[bad]))")
    }
}
