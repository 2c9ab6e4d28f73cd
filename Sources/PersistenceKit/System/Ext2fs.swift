#if canImport(Glibc)
import Glibc
#endif
import CExt2fs

/// libext2fs: the superblock facts of an ext2/3/4 file system at an offset, and its label set.
enum Ext2fs {
    private static let errorTable: Void = { initialize_ext2_error_table() }()

    struct Superblock: Equatable {
        var uuid: String
        var label: String
        var state: ExtState
    }

    static func superblock(path: String, offset: UInt64) throws -> Superblock {
        _ = errorTable
        var fs: ext2_filsys?
        let options = "offset=\(offset)"
        let flags = lw_EXT2_FLAG_64BITS | Int32(EXT2_FLAG_SUPER_ONLY) | lw_EXT2_FLAG_IGNORE_CSUM_ERRORS
        let err = ext2fs_open2(path, options, flags, 0, 0, lw_unix_io_manager(), &fs)
        guard err == 0, let fs = fs else {
            throw SystemError("read the ext4 superblock of", "\(path) at \(offset)", String(cString: error_message(err)))
        }
        defer { ext2fs_close(fs) }
        let uuid = UUIDText(bytes: Array(UnsafeBufferPointer(start: lw_uuid(fs), count: 16)))?.text ?? ""
        // s_volume_name is 16 bytes and need not end in NUL.
        let raw = UnsafeRawPointer(lw_label(fs)!).assumingMemoryBound(to: UInt8.self)
        let label = String(decoding: UnsafeBufferPointer(start: raw, count: 16).prefix { $0 != 0 }, as: UTF8.self)
        let state = lw_state(fs)
        return Superblock(
            uuid: uuid, label: label,
            state: ExtState(
                valid: state & lw_EXT2_VALID_FS != 0, hasErrors: state & lw_EXT2_ERROR_FS != 0,
                blockSize: lw_block_size(fs), blocks: lw_blocks_count(fs), freeBlocks: lw_free_blocks_count(fs)))
    }

    /// Sets the label of the (unmounted) file system on `path`.
    static func setLabel(_ label: String, path: String) throws {
        _ = errorTable
        var fs: ext2_filsys?
        let err = ext2fs_open2(path, nil, lw_EXT2_FLAG_64BITS | lw_EXT2_FLAG_RW, 0, 0, lw_unix_io_manager(), &fs)
        guard err == 0, let fs = fs else {
            throw SystemError("open the ext4 file system", path, String(cString: error_message(err)))
        }
        lw_set_label(fs, label)
        let closed = ext2fs_close2(fs, 0)
        guard closed == 0 else { throw SystemError("label the ext4 file system", path, String(cString: error_message(closed))) }
    }
}
