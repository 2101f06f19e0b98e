/// The element types arrays and operators use: real or complex (interleaved real, imaginary), in
/// single or double precision.
public enum ScalarType: Equatable, Sendable, CustomStringConvertible {
    case float32, float64, complex64, complex128

    public enum Precision: Sendable { case single, double }

    public init(precision: Precision, complex: Bool) {
        switch (precision, complex) {
        case (.single, false): self = .float32
        case (.double, false): self = .float64
        case (.single, true): self = .complex64
        case (.double, true): self = .complex128
        }
    }

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .float32: return 4
        case .float64, .complex64: return 8
        case .complex128: return 16
        }
    }

    /// Alignment of one element (that of its real component).
    public var alignment: Int { precision == .single ? 4 : 8 }
    public var isComplex: Bool { self == .complex64 || self == .complex128 }
    public var isReal: Bool { !isComplex }
    public var precision: Precision { self == .float32 || self == .complex64 ? .single : .double }
    /// Real numbers per element (1 or 2).
    public var components: Int { isComplex ? 2 : 1 }
    public var real: ScalarType { ScalarType(precision: precision, complex: false) }
    public var complex: ScalarType { ScalarType(precision: precision, complex: true) }

    public var description: String {
        switch self {
        case .float32: return "float32"
        case .float64: return "float64"
        case .complex64: return "complex64"
        case .complex128: return "complex128"
        }
    }
}
