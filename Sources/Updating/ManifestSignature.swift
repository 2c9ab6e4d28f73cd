import Crypto
import FoundationEssentials

/// The detached Ed25519 signature of a manifest's exact bytes: `lightwhale/manifest.sig`,
/// `{"algorithm": "ed25519", "keyID": …, "signature": base64}`.
public struct ManifestSignature: Codable, Equatable, Sendable {
    public var algorithm: String
    public var keyID: String
    public var signature: String

    public static func sign(_ manifest: [UInt8], with secret: UpdateKey.Secret) throws -> [UInt8] {
        let raw = try secret.key.signature(for: manifest)
        return jsonBytes(ManifestSignature(algorithm: "ed25519", keyID: secret.verifier.id, signature: raw.base64EncodedString()))
    }

    /// The manifest, once its signature verifies against `key`. Nothing of the manifest is
    /// read before that.
    public static func verify(manifest: [UInt8]?, signature: [UInt8]?, key: UpdateKey) throws(UpdateError) -> UpdateManifest {
        guard let manifest else { throw .unsigned("it has no lightwhale/manifest.json") }
        guard let signature else { throw .unsigned("it has no lightwhale/manifest.sig") }
        guard let sig = try? JSONDecoder().decode(ManifestSignature.self, from: Data(signature)), sig.algorithm == "ed25519",
            let raw = Data(base64Encoded: sig.signature), raw.count == 64
        else { throw .unsigned("lightwhale/manifest.sig is not an Ed25519 signature") }
        guard sig.keyID == key.id else { throw .unknownKey(signedBy: sig.keyID, trusted: key.id) }
        guard key.publicKey.isValidSignature(raw, for: manifest) else { throw .badSignature }
        return try UpdateManifest.parse(manifest)
    }
}
