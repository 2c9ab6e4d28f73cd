#pragma once
#include <blkid.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <linux/blkpg.h>
#include <string.h>

// Kernel ioctls and libblkid flags are macros Swift cannot import; these give them names.
static const unsigned long lw_BLKGETSIZE64 = BLKGETSIZE64;
static const unsigned long lw_BLKSSZGET = BLKSSZGET;
static const unsigned long lw_BLKFLSBUF = BLKFLSBUF;

static const int lw_SUBLKS_LABEL = BLKID_SUBLKS_LABEL;
static const int lw_SUBLKS_UUID = BLKID_SUBLKS_UUID;
static const int lw_SUBLKS_TYPE = BLKID_SUBLKS_TYPE;
static const int lw_SUBLKS_MAGIC = BLKID_SUBLKS_MAGIC;
static const int lw_SUBLKS_BADCSUM = BLKID_SUBLKS_BADCSUM;
static const int lw_PARTS_MAGIC = BLKID_PARTS_MAGIC;
static const int lw_FLTR_ONLYIN = BLKID_FLTR_ONLYIN;
static const int lw_PARTS_ENTRY_DETAILS = BLKID_PARTS_ENTRY_DETAILS;

// BLKPG: tell the kernel about one partition without asking it to parse the table,
// because some kernels (this project's CI host among them) have no partition parsers.
static inline int lw_blkpg_partition(int fd, int op, int number, long long start, long long length) {
    struct blkpg_partition p;
    memset(&p, 0, sizeof p);
    p.pno = number;
    p.start = start;
    p.length = length;
    struct blkpg_ioctl_arg a;
    memset(&a, 0, sizeof a);
    a.op = op;
    a.datalen = sizeof p;
    a.data = &p;
    return ioctl(fd, BLKPG, &a);
}
static const int lw_BLKPG_ADD = BLKPG_ADD_PARTITION;
static const int lw_BLKPG_DEL = BLKPG_DEL_PARTITION;

static inline int lw_ioctl_u64(int fd, unsigned long req, unsigned long long *out) { return ioctl(fd, req, out); }
static inline int lw_ioctl_int(int fd, unsigned long req, int *out) { return ioctl(fd, req, out); }
static inline int lw_ioctl_none(int fd, unsigned long req) { return ioctl(fd, req, 0); }

// kexec_file_load(2) and the reboot into what it loaded: no wrapper in glibc for the first, and
// LINUX_REBOOT_CMD_KEXEC only under a name glibc keeps in <linux/reboot.h>.
#include <sys/syscall.h>
#include <linux/reboot.h>
static inline long lw_kexec_file_load(int kernel, int initrd, const char *cmdline) {
    return syscall(SYS_kexec_file_load, kernel, initrd, strlen(cmdline) + 1, cmdline, 0UL);
}
static inline long lw_reboot_kexec(void) {
    return syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC, 0);
}
