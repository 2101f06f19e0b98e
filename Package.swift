// swift-tools-version:6.0
//
// InverseKit: imaging inverse problems. Targets by role:
//   CFFTW, COpenBLAS    system libraries (FFTW3 double and single; OpenBLAS CBLAS and LAPACKE)
//   InverseKit          the core, pure Swift, knows nothing of the C ABI (library product)
//   CInverseKitHeader   exposes include/inversekit.h to Swift so the thunks use its types
//   InverseKitC         only the C-ABI thunks; built as libinversekit.so with the Swift runtime
//                       linked in statically and only the ik_ symbols exported
//
// The core's hot loops use AVX2 and FMA when the machine that builds the package has them (like
// -march=native in a C build), else SSE2, which every x86-64 processor has. Set
// INVERSEKIT_PORTABLE=1 when building a library for other machines.
import Foundation
import PackageDescription

/// True on an x86-64 Linux machine whose processors report AVX2 and FMA.
func hostHasAVX2() -> Bool {
    #if arch(x86_64) && os(Linux)
    guard ProcessInfo.processInfo.environment["INVERSEKIT_PORTABLE"] == nil,
          let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
    let words = Set(flags.split(separator: " "))
    return words.contains("avx2") && words.contains("fma")
    #else
    return false
    #endif
}

let coreSettings: [SwiftSetting] = hostHasAVX2()
    ? [.define("INVERSEKIT_AVX2"), .unsafeFlags(["-target-cpu", "haswell"])]
    : []

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
            path: "Sources/InverseKit",
            swiftSettings: coreSettings
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
