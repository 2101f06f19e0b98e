// swift-tools-version:6.0
//
// InverseKit: imaging inverse problems. Targets by role:
//   CFFTW, COpenBLAS    system libraries (FFTW3 double and single; OpenBLAS CBLAS and LAPACKE)
//   InverseKit          the core, pure Swift, knows nothing of the C ABI (library product)
//   CInverseKitHeader   exposes include/inversekit.h to Swift so the thunks use its types
//   InverseKitC         only the C-ABI thunks; built as libinversekit.so with the Swift runtime
//                       linked in statically and only the ik_ symbols exported
import PackageDescription

let package = Package(
    name: "InverseKit",
    products: [
        .library(name: "InverseKit", targets: ["InverseKit"]),
        .library(name: "inversekit", type: .dynamic, targets: ["InverseKitC"]),
    ],
    targets: [
        .systemLibrary(name: "CFFTW", path: "Sources/CFFTW"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CInverseKitHeader", path: "Sources/CInverseKitHeader"),
        .target(
            name: "InverseKit",
            dependencies: ["CFFTW", "COpenBLAS"],
            path: "Sources/InverseKit"
        ),
        .target(
            name: "InverseKitC",
            dependencies: ["InverseKit", "CInverseKitHeader"],
            path: "Sources/InverseKitC",
            exclude: ["exports.map"],
            linkerSettings: [
                .unsafeFlags([
                    "-static-stdlib",
                    "-Xlinker", "--version-script=Sources/InverseKitC/exports.map",
                ]),
            ]
        ),
        .testTarget(
            name: "InverseKitTests",
            dependencies: ["InverseKit"],
            path: "Tests/InverseKitTests"
        ),
    ],
    swiftLanguageModes: [.v5]
)
