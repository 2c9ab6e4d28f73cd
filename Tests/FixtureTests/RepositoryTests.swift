// Facts about the repository's own files that no compiler checks.

import Foundation
import PersistenceKit
import TestSupport
import Testing

@Suite("repository")
struct RepositoryTests {
    /// PersistenceCore links no C module; this keeps it from reaching Glibc or Foundation either,
    /// so every rule stays a pure function of its arguments.
    @Test("PersistenceCore imports nothing")
    func coreImportsNothing() throws {
        let dir = Repo.repo + "/Sources/PersistenceCore"
        let files = try #require(FileManager.default.enumerator(atPath: dir)?.allObjects as? [String]).filter { $0.hasSuffix(".swift") }
        #expect(files.count > 5, "PersistenceCore's sources: \(files)")
        for file in files {
            let text = try String(contentsOfFile: dir + "/" + file, encoding: .utf8)
            let imports = text.split(separator: "\n").filter {
                let line = $0.trimmingCharacters(in: .whitespaces)
                return line.hasPrefix("import ") || line.hasPrefix("@_exported import ") || line.hasPrefix("#if canImport")
            }
            #expect(imports.isEmpty, "\(file) imports \(imports)")
        }
    }

    /// The image's scripts read their paths from usr/lib/lightwhale/paths; lwctl reads them from
    /// Policy. Evaluated by a real shell, as /init sources it.
    @Test("the image's paths file says what Policy says")
    func pathsFileMatchesPolicy() throws {
        let file = Repo.repo + "/image-recipe/rootfs/usr/lib/lightwhale/paths"
        let names = ["LW_DATA", "LW_OVERLAYS", "LW_DOCKER_ROOT", "LW_DATA_LABEL", "LW_MEDIUM_LABEL", "LW_REPORT"]
        let script = "set -eu; . \"$1\"; " + names.map { "printf '%s\\n' \"$\($0)\"" }.joined(separator: "; ")
        let o = try Run.ok(["/bin/sh", "-c", script, "sh", file])
        let values = o.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        try #require(values.count == names.count, Comment(rawValue: o.both))
        let shell = Dictionary(uniqueKeysWithValues: zip(names, values))
        let policy = Policy.random(root: "/")
        #expect(shell["LW_DATA"] == policy.dataMountPoint)
        #expect(shell["LW_OVERLAYS"]?.split(separator: " ").map(String.init) == Policy.overlaidDirectories)
        #expect(shell["LW_DOCKER_ROOT"] == policy.dockerDataRoot)
        #expect(shell["LW_DATA_LABEL"] == Policy.dataLabel)
        #expect(shell["LW_DATA_LABEL"] == Policy.dataPartitionName)
        #expect(shell["LW_MEDIUM_LABEL"] == Policy.bootLabelPrefix)
        #expect(shell["LW_REPORT"] == policy.reportPath)

        struct Daemon: Decodable {
            var dataRoot: String
            enum CodingKeys: String, CodingKey { case dataRoot = "data-root" }
        }
        let daemon = try JSONDecoder().decode(
            Daemon.self, from: Data(contentsOf: URL(fileURLWithPath: Repo.repo + "/image-recipe/rootfs/etc/docker/daemon.json")))
        #expect(daemon.dataRoot == policy.dockerDataRoot)

        // containerd's state sits beside Docker's on the data file system (TOML, one key checked).
        let containerd = try String(contentsOfFile: Repo.repo + "/image-recipe/rootfs/etc/containerd/config.toml", encoding: .utf8)
        #expect(containerd.split(separator: "\n").contains("root = \"\(policy.dataMountPoint)/containerd\""))
    }
}
