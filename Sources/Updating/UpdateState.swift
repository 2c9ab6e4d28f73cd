import FoundationEssentials

/// `lightwhale/updates/state.json` on the data disk: which version waits to be booted. The boot
/// side (trying, good, failed) builds on it.
public struct UpdateState: Codable, Equatable, Sendable {
    /// A complete, verified version in `lightwhale/updates/<version>/`, not yet booted.
    public var staged: String?
    /// Its manifest's stamp: the build, where two builds share a version.
    public var stagedStamp: String?

    public init(staged: String? = nil, stagedStamp: String? = nil) {
        self.staged = staged
        self.stagedStamp = stagedStamp
    }

    public func encoded() -> [UInt8] { jsonBytes(self) }

    /// nil for what is not a state file (a damaged one names nothing staged).
    public static func parse(_ bytes: [UInt8]) -> UpdateState? { try? JSONDecoder().decode(UpdateState.self, from: Data(bytes)) }
}
