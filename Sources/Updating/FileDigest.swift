import Crypto

/// SHA-256 of a file read in pieces, as the stager copies it.
public struct FileDigest: Sendable {
    private var hash = SHA256()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) { hash.update(bufferPointer: bytes) }

    public func hex() -> String { Hex.encode(hash.finalize()) }
}
