/// Why an update was refused or failed, worded for the person who typed `lwctl update`; `code`
/// is its stable name in `--json`.
public enum UpdateError: Error, Equatable, Sendable, CustomStringConvertible {
    case badKeyFile(String)
    /// The image holds no manifest or no signature: not a signed Lightwhale image.
    case unsigned(String)
    case unknownKey(signedBy: String, trusted: String)
    case badSignature
    case badManifest(String)
    case mismatch(path: String, why: String)
    case notNewer(running: String, offered: String)
    case notPersistent(mode: String, why: String)
    case noRoom(needed: UInt64, free: UInt64)
    case badImage(String)
    case nothingToRollBack(running: String)

    public var code: String {
        switch self {
        case .badKeyFile: "bad-key-file"
        case .unsigned: "unsigned"
        case .unknownKey: "unknown-key"
        case .badSignature: "bad-signature"
        case .badManifest: "bad-manifest"
        case .mismatch: "mismatch"
        case .notNewer: "not-newer"
        case .notPersistent: "not-persistent"
        case .noRoom: "no-room"
        case .badImage: "bad-image"
        case .nothingToRollBack: "nothing-to-roll-back"
        }
    }

    public var description: String {
        switch self {
        case .badKeyFile(let why): "the key file is unusable: \(why)"
        case .unsigned(let why): "not a signed Lightwhale image (\(why))"
        case .unknownKey(let by, let trusted):
            "signed by key \(by), not by this system's update key \(trusted): only images built with this system's key are accepted"
        case .badSignature: "its manifest's signature does not verify: the image was altered after it was signed, or is damaged"
        case .badManifest(let why): "its manifest is unusable: \(why)"
        case .mismatch(let path, let why): "\(path) does not match its signed manifest (\(why)): the image is damaged or was altered"
        case .notNewer(let running, let offered):
            "it is version \(offered) and this system runs \(running): give --allow-downgrade to stage an older or the same version"
        case .notPersistent(let mode, let why):
            "this system is \(mode) (\(why)): an update is staged on the data disk, so it needs persistence in use"
        case .noRoom(let needed, let free):
            "the data file system has \(free / 1_048_576) MiB free and staging needs \(needed / 1_048_576) MiB"
        case .badImage(let why): "cannot read the image: \(why)"
        case .nothingToRollBack(let running):
            "this system runs \(running) from its boot medium and nothing is staged: there is no earlier version to go back to"
        }
    }
}
