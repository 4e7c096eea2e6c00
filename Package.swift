// swift-tools-version: 6.0
import PackageDescription

// The numeric targets are compiled for x86-64 CPUs with AVX2 and FMA (Intel Haswell, 2013, and later;
// every AMD Zen): their eight-float lanes (layers, optimizer, augmentation, resizing) are then one
// instruction each instead of two SSE ones. Swift never fuses a * b + c on its own, so results are bit
// for bit those of a baseline build. `ferdata` checks the CPU as it starts and says what it lacks
// rather than dying on an illegal instruction.
#if arch(x86_64)
let vectorCPU: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let vectorCPU: [SwiftSetting] = []
#endif

let package = Package(
    name: "ferdata",
    products: [
        .executable(name: "ferdata", targets: ["ferdata"]),
        .library(name: "FERData", targets: ["FERData"]),
        // Every stage as a library call (Examples/ is a package that uses it).
        .library(name: "FERStages", targets: ["FERStages"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // Human review: the annotation store (SQLite) and the review page's local web server.
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // ONNX models out: the schema's Swift types (Sources/ONNXSchema, generated once by scripts/generate-onnx-schema).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // C libraries, found through pkg-config.
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "CWebP", pkgConfig: "libwebp", providers: [.apt(["libwebp-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // Our C shims: every setjmp/longjmp of libjpeg and libpng, every error handler of libtiff, stays in here.
        .target(name: "CFerShims", dependencies: ["CJPEG", "CPNG", "CTIFF", "CWebP", "CZlib"]),
        // Face detection, OpenCV's Haar cascades (Debian's libopencv-objdetect-dev, cascades from opencv-data),
        // eye landmarks, dlib's shape predictor (libdlib-dev, its model from libdlib-data), and ONNX models,
        // OpenCV's DNN module (libopencv-dnn-dev), behind our C interface; every C++ exception stays in here.
        .target(name: "CFerFaces",
                // -O2 in debug builds too: dlib's shape predictor is header code, and unoptimised it fits 10x slower.
                cxxSettings: [.unsafeFlags(["-I/usr/include/opencv4", "-O2"])],
                linkerSettings: [.linkedLibrary("opencv_dnn"), .linkedLibrary("opencv_objdetect"), .linkedLibrary("opencv_imgproc"), .linkedLibrary("opencv_core"),
                                 .linkedLibrary("dlib"), .linkedLibrary("openblas")]),

        // Swift side: core types → media (codecs, resize) → data (records, shards, workspace, export) → ingest
        // (sources, layouts, faces) → curation (dedup, split, balance, augment) → net (model, trainer) → eval
        // (scores, cross-dataset, annotation, reports) → stages and pipelines → CLI.
        .target(name: "FERCore", dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")], swiftSettings: vectorCPU),
        .target(name: "FERMedia", dependencies: ["FERCore", "CFerShims", "CFerFaces"], swiftSettings: vectorCPU),
        .target(name: "FERData", dependencies: ["FERCore", "FERMedia", "CFerShims", "CArchive", "CZlib", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: vectorCPU),
        // Ingest: sources (CSVs, archives, folders, the public datasets' layouts) to datasets; faces found in pictures.
        .target(name: "FERIngest", dependencies: ["FERCore", "FERMedia", "FERData", "CBLAS", "CFerShims", "CArchive", "CZlib", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: vectorCPU),
        // Curation: dedup, split, balance, augment, their contact sheets and charts.
        .target(name: "FERCuration", dependencies: ["FERCore", "FERMedia", "FERData", "FERIngest", .product(name: "ArgumentParser", package: "swift-argument-parser")], swiftSettings: vectorCPU),
        .target(name: "FERNet", dependencies: ["FERCore", "FERMedia", "FERData", "CBLAS", "CFerShims", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: vectorCPU),
        // The ONNX protobuf schema (onnx.proto, Apache-2.0, the ONNX project) as Swift types: generated, never edited.
        .target(name: "ONNXSchema", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(name: "FEREval", dependencies: ["FERCore", "FERMedia", "FERData", "FERIngest", "FERCuration", "FERNet", "CFerFaces", "ONNXSchema"],
                swiftSettings: vectorCPU),
        // Human review: queues of faces to look at, the decision store (GRDB), agreement, relabelling.
        .target(name: "FERReview", dependencies: [
            "FERCore", "FERData", "FERIngest", "FERCuration", "FEREval", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The review page: a local web server (Hummingbird) and the page's HTML, CSS and JavaScript.
        .target(name: "FERReviewServer", dependencies: [
            "FERReview", "FERData", "FERIngest", "FERMedia", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
        ]),
        // Every stage as a library call (options in, typed output back) and the pipeline runner (Yams).
        .target(name: "FERStages", dependencies: [
            "FERCore", "FERMedia", "FERData", "FERIngest", "FERCuration", "FERNet", "FEREval", "FERReview", .product(name: "Yams", package: "Yams"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The command line: thin adapters from argument-parser options onto the stages' options.
        .target(name: "FERCommands", dependencies: [
            "FERStages", "FERReviewServer", "FERCore", "FERData", "FERIngest", "FERCuration", "FERNet", "FEREval", "FERReview", "CFerShims",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "ferdata", dependencies: ["FERCommands"]),
        .executableTarget(name: "ferdata-bench", dependencies: ["FERData", "FERIngest", "FERCuration", "FERNet"]),

        .target(name: "FERTestSupport", dependencies: ["FERData", "FERIngest", "CArchive", "CZlib", "CWebP"], path: "Tests/FERTestSupport"),
        .testTarget(name: "FERMediaTests", dependencies: ["FERMedia", "FERTestSupport"]),
        .testTarget(name: "FERDataTests", dependencies: ["FERData", "FERIngest", "FERCuration", "FERTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "FERNetTests", dependencies: ["FERNet", "FERIngest", "FERCuration", "FERTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "FEREvalTests", dependencies: ["FEREval", "FERIngest", "FERCuration", "FERTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "FERReviewTests", dependencies: ["FERReview", "FERReviewServer", "FERIngest", "FERCuration", "FEREval", "FERTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "CommandLineTests", dependencies: ["ferdata", "FERCommands", "FERStages", "FERIngest", "FERNet", "FEREval", "FERCuration", "FERReview", "FERTestSupport", .product(name: "Yams", package: "Yams")]),
    ],
    swiftLanguageModes: [.v5]
)
