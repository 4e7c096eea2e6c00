// swift-tools-version: 6.0
// ferdata as a library: a package of its own that depends on ferdata as any other package would and
// calls its stages. `make test` builds and runs it: swift run --package-path Examples ingest-and-split samples
import PackageDescription

let package = Package(
    name: "ferdata-examples",
    dependencies: [.package(name: "ferdata", path: "..")],
    targets: [
        .executableTarget(name: "ingest-and-split", dependencies: [.product(name: "FERStages", package: "ferdata")],
                          path: "Sources/IngestAndSplit"),
    ]
)
