import FERTestSupport
import Foundation
import Testing

/// Mounting a small tmpfs for the storage-failure tests (root only).
enum Tmpfs {
    static let canMount: Bool = {
        let folder = Fixtures.temporaryDirectory("probe-mount")
        defer { shell(["umount", folder.path]); try? FileManager.default.removeItem(at: folder) }
        return shell(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder.path]) == 0
    }()

    @discardableResult
    static func shell(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// A full disk and a read-only workspace are one-line errors that leave the datasets already there
/// intact. Needs a small tmpfs of its own; skipped where mounting is not allowed.
@Suite(.serialized, .enabled(if: Tmpfs.canMount, "needs permission to mount a tmpfs"))
struct StorageFailureTests {
    let cli = CommandLineTests()

    /// A workspace on a tmpfs of `kilobytes`, with one small dataset already in it.
    func smallWorkspace(_ kilobytes: Int, _ name: String = #function) throws -> URL {
        let mountPoint = Fixtures.temporaryDirectory(name)
        #expect(Tmpfs.shell(["mount", "-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", mountPoint.path]) == 0)
        var text = "emotion,pixels,Usage\n"
        for row in 0..<20 { text += Fixtures.csvRow(emotion: String(row % 7), pixels: Fixtures.face(seed: row)) + "\n" }
        let csv = Fixtures.temporaryDirectory(name + "-csv").appendingPathComponent("small.csv")
        try Fixtures.write(text, to: csv)
        let first = try cli.ferdata(["ingest", csv.path, "--workspace", mountPoint.path, "-q"])
        #expect(first.status == 0, "\(first.stderr)")
        return mountPoint
    }

    func expectIntact(_ workspace: URL) throws {
        let verify = try cli.ferdata(["verify", "--all", "--workspace", workspace.path])
        #expect(verify.status == 0 && verify.stdout.contains("0001-ingest: intact"), "\(verify.stdout)")
        let names = try FileManager.default.contentsOfDirectory(atPath: workspace.appendingPathComponent("datasets").path)
        #expect(names == ["0001-ingest"], "\(names)")
    }

    @Test func aFullDiskIsAClearErrorAndLeavesTheDatasetsThere() throws {
        let workspace = try smallWorkspace(320)
        defer { Tmpfs.shell(["umount", workspace.path]) }
        let run = try cli.ferdata(["ingest", "samples/faces.csv", "--workspace", workspace.path])
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("ferdata: error:") && run.stderr.contains("No space left on device"), "\(run.stderr)")
        try expectIntact(workspace)
    }

    @Test func aReadOnlyWorkspaceIsAClearErrorAndLeavesTheDatasetsThere() throws {
        let workspace = try smallWorkspace(1024)
        defer { Tmpfs.shell(["umount", workspace.path]) }
        #expect(Tmpfs.shell(["mount", "-o", "remount,ro", workspace.path]) == 0)
        let run = try cli.ferdata(["ingest", "samples/faces.csv", "--workspace", workspace.path])
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("ferdata: error:") && run.stderr.contains("Read-only file system"), "\(run.stderr)")
        try expectIntact(workspace)
    }
}
