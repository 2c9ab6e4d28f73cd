import Testing
import Updating

/// The manifest's signature: only this system's key, only the exact bytes it signed.
@Suite("Signed manifests")
struct SignatureTests {
    let secret = UpdateKey.Secret.generate()

    func manifest(version: String = "2.2.0") -> UpdateManifest {
        UpdateManifest(
            version: version, stamp: "lightwhale-\(version)-20261203000000",
            files: UpdateManifest.requiredFiles.enumerated().map { i, p in
                UpdateManifest.File(path: p, size: UInt64(1000 * (i + 1)), sha256: String(repeating: "ab", count: 32))
            })
    }

    @Test("a manifest signed by the trusted key verifies and reads back as written")
    func verifies() throws {
        let bytes = manifest().encoded()
        let sig = try ManifestSignature.sign(bytes, with: secret)
        let read = try ManifestSignature.verify(manifest: bytes, signature: sig, key: secret.verifier)
        #expect(read == manifest())
        #expect(read.totalSize == 10_000)
    }

    @Test("one byte changed after signing: bad signature")
    func altered() throws {
        var bytes = manifest().encoded()
        let sig = try ManifestSignature.sign(bytes, with: secret)
        let i = bytes.firstIndex(of: UInt8(ascii: "2"))!
        bytes[i] = UInt8(ascii: "9")
        #expect(throws: UpdateError.badSignature) { try ManifestSignature.verify(manifest: bytes, signature: sig, key: secret.verifier) }
    }

    @Test("signed by another key: unknown key, named by both ids")
    func otherKey() throws {
        let other = UpdateKey.Secret.generate()
        let bytes = manifest().encoded()
        let sig = try ManifestSignature.sign(bytes, with: other)
        #expect(throws: UpdateError.unknownKey(signedBy: other.verifier.id, trusted: secret.verifier.id)) {
            try ManifestSignature.verify(manifest: bytes, signature: sig, key: secret.verifier)
        }
    }

    @Test("another key's signature under this key's id: bad signature, not accepted")
    func forgedKeyID() throws {
        let other = UpdateKey.Secret.generate()
        let bytes = manifest().encoded()
        var text = String(decoding: try ManifestSignature.sign(bytes, with: other), as: UTF8.self)
        text = text.replacingAll(other.verifier.id, with: secret.verifier.id)
        #expect(throws: UpdateError.badSignature) {
            try ManifestSignature.verify(manifest: bytes, signature: Array(text.utf8), key: secret.verifier)
        }
    }

    @Test("no manifest, no signature, or a signature that is not one: unsigned")
    func unsigned() throws {
        let bytes = manifest().encoded()
        let sig = try ManifestSignature.sign(bytes, with: secret)
        for (m, s) in [(nil, sig), (bytes, nil), (bytes, Array("garbage".utf8)), (bytes, Array(#"{"algorithm":"rsa","keyID":"x","signature":"AA=="}"#.utf8))] {
            #expect(throws: UpdateError.self) { try ManifestSignature.verify(manifest: m, signature: s, key: secret.verifier) }
            do { _ = try ManifestSignature.verify(manifest: m, signature: s, key: secret.verifier) } catch { #expect(error.code == "unsigned") }
        }
    }

    @Test("key files round-trip; a tampered key id or a non-key is refused")
    func keyFiles() throws {
        let pub = secret.verifier.publicFile()
        #expect(try UpdateKey(publicFile: pub).id == secret.verifier.id)
        #expect(try UpdateKey.Secret(secretFile: secret.secretFile()).verifier.id == secret.verifier.id)
        let wrongID = String(decoding: pub, as: UTF8.self).replacingAll(secret.verifier.id, with: "0000000000000000")
        #expect(throws: UpdateError.self) { try UpdateKey(publicFile: Array(wrongID.utf8)) }
        #expect(throws: UpdateError.self) { try UpdateKey(publicFile: Array("{}".utf8)) }
        #expect(throws: UpdateError.self) { try UpdateKey.Secret(secretFile: pub) }
    }
}

extension String {
    func replacingAll(_ a: String, with b: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: a) {
            out += rest[..<r.lowerBound] + b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
