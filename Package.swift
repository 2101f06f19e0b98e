// swift-tools-version:6.0
//
// InverseKit: imaging inverse problems. Targets by role:
//   CFFTW, COpenBLAS    system libraries (FFTW3 double and single; OpenBLAS CBLAS and LAPACKE)
//   InverseKit          the core, pure Swift, knows nothing of the C ABI (library product)
//   CInverseKitHeader   exposes include/inversekit.h to Swift so the thunks use its types
//   InverseKitC         only the C-ABI thunks; built as a compute library, libinversekit_core.so,
//                       with the Swift runtime linked in statically and only the ik_ symbols exported
//   InverseKitDispatch  libinversekit.so, the library programs link: plain C for the x86-64
//                       baseline, it loads the compute library built for the widest instruction set
//                       the running processor has and forwards every call to it
//
// Nothing here depends on the building machine, and no target of the InverseKit product has
// unsafe flags, so other packages can depend on it by version. The core's hot loops use the lane
// vectors of Numerics/Lanes.swift, SSE2 unless the build defines INVERSEKIT_AVX2 (AVX2 with FMA) or
// INVERSEKIT_AVX512 with a matching -target-cpu; .ci/build_library.sh builds the compute library
// for all three levels (see the README).
import PackageDescription

let package = Package(
    name: "InverseKit",
    products: [
        .library(name: "InverseKit", targets: ["InverseKit"]),
        .library(name: "inversekit", type: .dynamic, targets: ["InverseKitDispatch"]),
        .library(name: "inversekit_core", type: .dynamic, targets: ["InverseKitC"]),
    ],
    dependencies: [
        // `swift package generate-documentation` (the DocC catalog in Sources/InverseKit); a plugin,
        // not linked into anything.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
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
        .target(
            name: "InverseKitDispatch",
            path: "Sources/InverseKitDispatch",
            exclude: ["generate_forwarders.py"],
            sources: ["dispatch.c"],
            publicHeadersPath: ".",
            cSettings: [.headerSearchPath("../../include")],
            // Linked by the Swift driver, which adds the Swift runtime: --as-needed drops it again,
            // since nothing here uses it.
            linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread"),
                             .unsafeFlags(["-static-stdlib", "-Xlinker", "--version-script=Sources/InverseKitC/exports.map"])]
        ),
        .testTarget(
            name: "InverseKitTests",
            dependencies: ["InverseKit", "COpenBLAS"],
            path: "Tests/InverseKitTests"
        ),
    ],
    swiftLanguageModes: [.v5]
)
