import CZstd

/// libzstd's streaming API, a piece at a time: how a backup compresses tar's stream and a
/// restore expands it, without a zstd program in the image.
final class ZstdStream {
    enum Direction { case compress(level: Int32), decompress }

    private let direction: Direction
    private let cctx: OpaquePointer?
    private let dctx: OpaquePointer?
    private var output = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())
    /// Decompression: whether the last frame read so far is complete (a cut archive ends inside one).
    private(set) var frameComplete = true

    init(_ direction: Direction) {
        self.direction = direction
        switch direction {
        case .compress(let level):
            cctx = ZSTD_createCCtx()
            dctx = nil
            _ = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
            _ = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)
        case .decompress:
            cctx = nil
            dctx = ZSTD_createDCtx()
        }
    }

    deinit {
        ZSTD_freeCCtx(cctx)
        ZSTD_freeDCtx(dctx)
    }

    /// Compresses or expands `input`; `last`: (compressing) end the frame.
    func process(_ input: ArraySlice<UInt8>, last: Bool = false, _ emit: (ArraySlice<UInt8>) throws -> Void) throws {
        try input.withUnsafeBytes { raw in
            var inBuf = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
            while true {
                let (produced, code): (Int, Int) = output.withUnsafeMutableBytes { out in
                    var outBuf = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                    let r: Int
                    switch direction {
                    case .compress: r = ZSTD_compressStream2(cctx, &outBuf, &inBuf, last ? ZSTD_e_end : ZSTD_e_continue)
                    case .decompress: r = ZSTD_decompressStream(dctx, &outBuf, &inBuf)
                    }
                    return (outBuf.pos, r)
                }
                if ZSTD_isError(code) != 0 {
                    throw ZstdError(message: String(cString: ZSTD_getErrorName(code)))
                }
                if produced > 0 { try emit(output[0..<produced]) }
                switch direction {
                case .compress:
                    // Done when the input is taken and (at the end) the frame is flushed.
                    if inBuf.pos == inBuf.size && (!last || code == 0) { return }
                case .decompress:
                    frameComplete = code == 0
                    if inBuf.pos == inBuf.size && produced < output.count { return }
                }
            }
        }
    }
}

struct ZstdError: Error, CustomStringConvertible {
    var message: String
    var description: String { "zstd: \(message)" }
}
