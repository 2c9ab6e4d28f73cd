// What lwdm.swift needs of C: the kernel's loop and device-mapper interfaces, and the calls Swift
// cannot make itself (variadic ones, and the ioctl numbers, which are macros).
//
// Declared by glibc's headers (they come with the kernel's), linked with musl's libc.a (80 KB
// where glibc's static library makes 0.7 MB, in an initrd every boot unpacks): the functions used
// here and by Embedded Swift's runtime (open, close, ioctl, dprintf, strerror, exit,
// __errno_location, posix_memalign, free, putchar, mem*) have the same ABI in both.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/dm-ioctl.h>
#include <linux/loop.h>

static inline int lwdm_open(const char *path, int writable) {
    return open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
}
static inline int lwdm_errno(void) { return errno; }
static inline void lwdm_warn(const char *line) { dprintf(2, "%s\n", line); }

enum lwdm_request { LWDM_CREATE, LWDM_LOAD, LWDM_RESUME, LWDM_REMOVE, LWDM_LOOP_FREE, LWDM_LOOP_CONFIGURE };

// One ioctl; ARG is the request's structure (a dm_ioctl header and its data, a loop_config), or
// NULL for LWDM_LOOP_FREE, which returns a free loop device's number.
static inline int lwdm_ioctl(int fd, enum lwdm_request request, void *arg) {
    static const unsigned long requests[] = {
        DM_DEV_CREATE, DM_TABLE_LOAD, DM_DEV_SUSPEND, DM_DEV_REMOVE, LOOP_CTL_GET_FREE, LOOP_CONFIGURE,
    };
    return request == LWDM_LOOP_FREE ? ioctl(fd, requests[request]) : ioctl(fd, requests[request], arg);
}

// Fills the header of a device-mapper request about the device NAME, SIZE bytes with its data
// (TARGETS target specs, for a table).
static inline void lwdm_header(struct dm_ioctl *io, unsigned size, const char *name, unsigned flags,
                               unsigned targets) {
    memset(io, 0, sizeof *io);
    io->version[0] = DM_VERSION_MAJOR;
    io->data_size = size;
    io->data_start = sizeof *io;
    io->flags = flags;
    io->target_count = targets;
    strncpy(io->name, name, DM_NAME_LEN - 1);
}

static inline void lwdm_target(struct dm_target_spec *spec, unsigned long long start,
                               unsigned long long length, const char *type) {
    memset(spec, 0, sizeof *spec);
    spec->sector_start = start;
    spec->length = length;
    strncpy(spec->target_type, type, DM_MAX_TYPE_NAME - 1);
}

static inline unsigned lwdm_minor(const struct dm_ioctl *io) {
    // the kernel returns dev as huge_encode_dev(): the minor's low 8 bits, then the major, then
    // the minor's upper bits
    return (unsigned)((io->dev & 0xff) | ((io->dev >> 12) & ~0xffULL));
}

// A read-only loop device's configuration: the backing file FD, whole.
static inline void lwdm_loop_config(struct loop_config *config, int fd) {
    memset(config, 0, sizeof *config);
    config->fd = (unsigned)fd;
    config->info.lo_flags = LO_FLAGS_READ_ONLY;
}
