// Facts about the repository's own files that no compiler checks.

import Foundation
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
}
