import FoundationEssentials

/// The saved claim report and Docker's daemon.json: the JSON files `lwctl` reads and writes.
public enum ReportFile {
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }

    public static func save(_ report: ClaimReport, to path: String) throws {
        try LiveSystem.write(path, try encode(report))
    }

    /// The last claim's report, if one was saved and can be read.
    public static func load(_ path: String) -> ClaimReport? {
        LiveSystem.read(path).flatMap { try? decode(ClaimReport.self, from: $0) }
    }

    /// Docker's configured data-root in `<root>/etc/docker/daemon.json` (the image sets it to the
    /// data file system).
    public static func dockerDataRoot(root: String) -> String? {
        struct Daemon: Decodable {
            var dataRoot: String?
            enum CodingKeys: String, CodingKey { case dataRoot = "data-root" }
        }
        guard let bytes = LiveSystem.read(Paths.join(root, "etc/docker/daemon.json")) else { return nil }
        return (try? decode(Daemon.self, from: bytes))?.dataRoot
    }
}
