#pragma once
#include <ext2fs/ext2_fs.h>
#include <ext2fs/ext2fs.h>
#include <et/com_err.h>
#include <string.h>

// unix_io_manager is a mutable C global; Swift 6 strict concurrency refuses it, so hand it out here.
static inline io_manager lw_unix_io_manager(void) { return unix_io_manager; }

static const int lw_EXT2_FLAG_64BITS = EXT2_FLAG_64BITS;
static const int lw_EXT2_FLAG_IGNORE_CSUM_ERRORS = EXT2_FLAG_IGNORE_CSUM_ERRORS;
static const unsigned short lw_EXT2_VALID_FS = EXT2_VALID_FS;
static const unsigned short lw_EXT2_ERROR_FS = EXT2_ERROR_FS;

static inline unsigned long long lw_blocks_count(ext2_filsys fs) { return ext2fs_blocks_count(fs->super); }
static inline unsigned long long lw_free_blocks_count(ext2_filsys fs) { return ext2fs_free_blocks_count(fs->super); }
static inline unsigned int lw_block_size(ext2_filsys fs) { return EXT2_BLOCK_SIZE(fs->super); }
static inline unsigned short lw_state(ext2_filsys fs) { return fs->super->s_state; }
static inline const unsigned char *lw_uuid(ext2_filsys fs) { return fs->super->s_uuid; }
static inline const char *lw_label(ext2_filsys fs) { return (const char *)fs->super->s_volume_name; }

static const int lw_EXT2_FLAG_RW = EXT2_FLAG_RW;
// As tune2fs -L: the label, NUL-padded to its 16 bytes; ext2fs_close writes the superblock.
static inline void lw_set_label(ext2_filsys fs, const char *label) {
    memset(fs->super->s_volume_name, 0, sizeof(fs->super->s_volume_name));
    strncpy((char *)fs->super->s_volume_name, label, sizeof(fs->super->s_volume_name));
    ext2fs_mark_super_dirty(fs);
}
