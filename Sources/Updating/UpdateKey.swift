import Crypto
import FoundationEssentials

/// The Ed25519 key pair that signs Lightwhale's update manifests. The public half is baked into
/// the image (`/usr/lib/lightwhale/update.pub`); the secret half stays with whoever builds
/// releases (`make image SIGNING_KEY=FILE`). Both are small JSON files.
public struct UpdateKey: Sendable {
    public let publicKey: Curve25519.Signing.PublicKey

    public init(publicKey: Curve25519.Signing.PublicKey) { self.publicKey = publicKey }

    /// Names a key in messages and in signatures, so that "signed by another key" can be told
    /// from "damaged": the first 8 bytes of the public key's SHA-256, in hex.
    public var id: String { Self.id(of: publicKey) }

    static func id(of key: Curve25519.Signing.PublicKey) -> String {
        Hex.encode(Array(SHA256.hash(data: key.rawRepresentation).prefix(8)))
    }

    /// `{"algorithm": "ed25519", "keyID": …, "publicKey": base64}`.
    struct PublicFile: Codable {
        var algorithm: String
        var keyID: String
        var publicKey: String
    }

    struct SecretFile: Codable {
        var algorithm: String
        var keyID: String
        var secretKey: String
    }

    public init(publicFile bytes: [UInt8]) throws(UpdateError) {
        guard let file = try? JSONDecoder().decode(PublicFile.self, from: Data(bytes)) else {
            throw .badKeyFile("not a Lightwhale public key file")
        }
        guard file.algorithm == "ed25519", let raw = Data(base64Encoded: file.publicKey),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else { throw .badKeyFile("not an Ed25519 public key") }
        guard Self.id(of: key) == file.keyID else { throw .badKeyFile("its key id does not match its key") }
        publicKey = key
    }

    public func publicFile() -> [UInt8] {
        jsonBytes(PublicFile(algorithm: "ed25519", keyID: id, publicKey: publicKey.rawRepresentation.base64EncodedString()))
    }

    /// A secret key: signs manifests.
    public struct Secret: Sendable {
        public let key: Curve25519.Signing.PrivateKey

        public static func generate() -> Secret { Secret(key: Curve25519.Signing.PrivateKey()) }

        init(key: Curve25519.Signing.PrivateKey) { self.key = key }

        public init(secretFile bytes: [UInt8]) throws(UpdateError) {
            guard let file = try? JSONDecoder().decode(SecretFile.self, from: Data(bytes)), file.algorithm == "ed25519",
                let raw = Data(base64Encoded: file.secretKey),
                let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
            else { throw .badKeyFile("not a Lightwhale secret key file") }
            self.key = key
        }

        public var verifier: UpdateKey { UpdateKey(publicKey: key.publicKey) }

        public func secretFile() -> [UInt8] {
            jsonBytes(SecretFile(algorithm: "ed25519", keyID: verifier.id, secretKey: key.rawRepresentation.base64EncodedString()))
        }
    }
}

func jsonBytes<T: Encodable>(_ value: T) -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    // Encoding these plain structs of strings and numbers cannot fail.
    return Array(try! encoder.encode(value)) + [0x0A]
}

enum Hex {
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes { out += [digits[Int(b >> 4)], digits[Int(b & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }
}
