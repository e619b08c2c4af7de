// Linux's renameat2(RENAME_EXCHANGE), which Swift's Glibc module does not import (glibc
// declares it only under _GNU_SOURCE): two paths swap their files in one step. The
// sequencer's witness files are replaced so (Sources/PacSpaceServer/Services/DurableFile.swift).
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1) /* linux/fs.h, which clashes with glibc's headers; part of the ABI */
#endif
#endif

/// 0 when `from` and `to` swapped; -1 with errno set otherwise (ENOSYS off Linux; EINVAL on a
/// filesystem without the flag; ENOENT when `to` does not exist yet).
static inline int pacspace_exchange(const char *from, const char *to) {
#if defined(__linux__) && defined(SYS_renameat2) && defined(RENAME_EXCHANGE)
    return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE);
#else
    errno = ENOSYS;
    return -1;
#endif
}
