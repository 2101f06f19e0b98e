// swift-tools-version:6.0
//
// InverseKit: imaging inverse problems. Targets by role:
//   CFFTW, COpenBLAS    system libraries (FFTW3 double and single; OpenBLAS CBLAS and LAPACKE)
//   InverseKit          the core, pure Swift, knows nothing of the C ABI (library product)
//   CInverseKitHeader   exposes include/inversekit.h to Swift so the thunks use its types
//   InverseKitC         only the C-ABI thunks; built as libinversekit.so with the Swift runtime
//                       linked in statically and only the ik_ symbols exported
//
// The core's hot loops use the widest vector instructions of the machine that builds the package
// (like -march=native in a C build): AVX-512, else AVX2 with FMA, else SSE2, which every x86-64
// processor has. Set INVERSEKIT_PORTABLE=1 when building a library for other machines, or
// INVERSEKIT_NO_AVX512=1 to stop at AVX2.
import Foundation
import PackageDescription

/// The vector instruction sets the core may use: those of this x86-64 Linux machine's processors
/// that the kernels have code for, unless the environment asks for less.
func hostVectorLevel() -> (avx2: Bool, avx512: Bool) {
    #if arch(x86_64) && os(Linux)
    let environment = ProcessInfo.processInfo.environment
    guard environment["INVERSEKIT_PORTABLE"] == nil,
          let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return (false, false) }
    let words = Set(flags.split(separator: " "))
    let avx2 = words.contains("avx2") && words.contains("fma")
    // Skylake-server level: foundation, byte/word, doubleword/quadword, 128/256-bit forms, conflict.
    let avx512 = avx2 && environment["INVERSEKIT_NO_AVX512"] == nil
        && ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"].allSatisfy { words.contains(Substring($0)) }
    return (avx2, avx512)
    #else
    return (false, false)
    #endif
}

let vectorLevel = hostVectorLevel()
let coreSettings: [SwiftSetting] = vectorLevel.avx512
    ? [.define("INVERSEKIT_AVX2"), .define("INVERSEKIT_AVX512"), .unsafeFlags(["-target-cpu", "skylake-avx512"])]
    : vectorLevel.avx2 ? [.define("INVERSEKIT_AVX2"), .unsafeFlags(["-target-cpu", "haswell"])] : []

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
            dependencies: ["InverseKit", "COpenBLAS"],
            path: "Tests/InverseKitTests"
        ),
    ],
    swiftLanguageModes: [.v5]
)
