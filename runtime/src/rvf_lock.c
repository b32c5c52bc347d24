/* rvf_lock.c: the writer lock file <path>.lock, byte-compatible with the reference runtime
 * (RVF-BRIEF §9.2): both sides read each other's lock files and apply the same stale rules. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "rvf_internal.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

enum {
    LOCK_OFF_PID = 0x04,
    LOCK_OFF_HOST = 0x08,
    LOCK_HOST_FIELD = 64,
    LOCK_HOST_MAX = 62, /* the reference keeps one spare NUL */
    LOCK_OFF_TIME = 0x48,
    LOCK_OFF_WRITER = 0x50,
    LOCK_OFF_VERSION = 0x60,
    LOCK_OFF_CRC = 0x64,
    LOCK_VERSION = 1,
    LOCK_RETRIES = 8 /* a peer that keeps recreating stale locks cannot make us spin */
};
#define LOCK_STALE_SAME_HOST_NS  30000000000ull
#define LOCK_STALE_OTHER_HOST_NS 300000000000ull

struct rvf_lock {
    char *path; /* "<store>.lock" */
    uint8_t writer_id[16];
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static size_t host_len(const char *s)
{
    size_t n = strlen(s);
    return n > LOCK_HOST_MAX ? LOCK_HOST_MAX : n;
}

/* Reads at most cap-1 bytes of a small file, NUL-terminated; -1 on error (errno set). */
static ssize_t read_small(const char *path, uint8_t *buf, size_t cap)
{
    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return -1;
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = 0;
    return (ssize_t)n;
}

/* The name the reference writes: $HOSTNAME, else /etc/hostname trimmed, else "unknown". */
static void ref_hostname(char out[256])
{
    const char *env = getenv("HOSTNAME");
    if (env) {
        size_t n = strlen(env) < 255 ? strlen(env) : 255;
        memcpy(out, env, n);
        out[n] = 0;
        return;
    }
    uint8_t buf[256];
    ssize_t n = read_small("/etc/hostname", buf, sizeof buf);
    if (n < 0) {
        memcpy(out, "unknown", sizeof "unknown");
        return;
    }
    size_t a = 0, b = (size_t)n;
    while (a < b && buf[a] && strchr(" \t\r\n\v\f", buf[a]))
        a++;
    while (b > a && buf[b - 1] && strchr(" \t\r\n\v\f", buf[b - 1]))
        b--;
    memcpy(out, buf + a, b - a);
    out[b - a] = 0;
}

/* Ours: gethostname(), falling back to the reference's sources. */
static void our_hostname(char out[256])
{
    if (gethostname(out, 255) == 0) {
        out[255] = 0;
        if (out[0])
            return;
    }
    ref_hostname(out);
    if (!out[0])
        memcpy(out, "unknown", sizeof "unknown");
}

static bool host_matches(const uint8_t field[LOCK_HOST_FIELD], const char *name)
{
    size_t n = 0;
    while (n < LOCK_HOST_FIELD && field[n])
        n++;
    return n == host_len(name) && memcmp(field, name, n) == 0;
}

static void random_id(uint8_t id[16])
{
    uint8_t buf[17];
    if (read_small("/dev/urandom", buf, sizeof buf) == 16) {
        memcpy(id, buf, 16);
        return;
    }
    /* No /dev/urandom (chroot, sandbox): splitmix64 over time, pid and a stack address keeps two
     * writers apart, which is all writer_id is for. */
    uint64_t x = now_ns() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)&buf;
    for (int i = 0; i < 2; i++) {
        uint64_t z = (x += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        rvfk_st_u64(id + 8 * (size_t)i, z ^ (z >> 31));
    }
}

static void build_lock(uint8_t out[RVF_LOCK_SIZE], const uint8_t writer_id[16])
{
    char host[256];
    our_hostname(host);
    memset(out, 0, RVF_LOCK_SIZE);
    rvfk_st_u32(out, RVF_LOCK_MAGIC);
    rvfk_st_u32(out + LOCK_OFF_PID, (uint32_t)getpid());
    memcpy(out + LOCK_OFF_HOST, host, host_len(host));
    rvfk_st_u64(out + LOCK_OFF_TIME, now_ns());
    memcpy(out + LOCK_OFF_WRITER, writer_id, 16);
    rvfk_st_u32(out + LOCK_OFF_VERSION, LOCK_VERSION);
    rvfk_st_u32(out + LOCK_OFF_CRC, rvf_crc32_ieee_update(0, out, LOCK_OFF_CRC));
}

/* pid 0 and values above INT32_MAX would make kill() address a process group or every process,
 * so they name no process. EPERM means alive under another user. */
static bool pid_dead(uint32_t pid)
{
    if (pid == 0 || pid > INT32_MAX)
        return true;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* The existing lock's content (len bytes read): may it be deleted? The checksum is not consulted,
 * as in the reference: a damaged but fresh lock still protects its writer. */
static bool lock_is_stale(const uint8_t *b, size_t len)
{
    if (len < RVF_LOCK_SIZE || rvfk_ld_u32(b) != RVF_LOCK_MAGIC)
        return true;
    uint64_t ts = rvfk_ld_u64(b + LOCK_OFF_TIME), now = now_ns();
    uint64_t age = now > ts ? now - ts : 0;
    /* The reference names the host from $HOSTNAME or /etc/hostname; either spelling of ours is
     * the same machine. */
    char mine[256], ref[256];
    our_hostname(mine);
    ref_hostname(ref);
    const uint8_t *host = b + LOCK_OFF_HOST;
    if (host_matches(host, mine) || host_matches(host, ref))
        return age > LOCK_STALE_SAME_HOST_NS && pid_dead(rvfk_ld_u32(b + LOCK_OFF_PID));
    return age > LOCK_STALE_OTHER_HOST_NS;
}

/* Creates the lock file with our content; RVF_ERR_LOCK_HELD when it already exists. */
static rvf_status create_lock(const char *path, const uint8_t content[RVF_LOCK_SIZE])
{
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno == ENOENT   ? RVF_ERR_NOT_FOUND
               : errno == EEXIST ? RVF_ERR_LOCK_HELD
                                 : RVF_ERR_IO_ERROR;
    rvf_status st = RVF_OK;
    size_t n = 0;
    while (n < RVF_LOCK_SIZE && st == RVF_OK) {
        ssize_t w = write(fd, content + n, RVF_LOCK_SIZE - n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            st = (w < 0 && errno == ENOSPC) ? RVF_ERR_DISK_FULL : RVF_ERR_IO_ERROR;
        else
            n += (size_t)w;
    }
    if (st == RVF_OK) {
        int r;
        do
            r = fsync(fd);
        while (r != 0 && errno == EINTR);
        if (r != 0)
            st = RVF_ERR_FSYNC_FAILED;
    }
    close(fd);
    if (st != RVF_OK)
        unlink(path); /* a half-written lock would block every writer until it looks stale */
    return st;
}

rvf_status rvf_lock_acquire(const char *path, rvf_lock **out)
{
    if (!out)
        return RVF_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!path)
        return RVF_ERR_INVALID_ARGUMENT;
    size_t plen = strlen(path);
    rvf_lock *l = rvf_calloc(1, sizeof *l);
    char *lp = rvf_malloc(plen + sizeof ".lock");
    if (!l || !lp) {
        rvf_free(l);
        rvf_free(lp);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    memcpy(lp, path, plen);
    memcpy(lp + plen, ".lock", sizeof ".lock");
    l->path = lp;
    random_id(l->writer_id);
    uint8_t content[RVF_LOCK_SIZE];
    build_lock(content, l->writer_id);

    rvf_status st = RVF_ERR_LOCK_HELD;
    for (int attempt = 0; attempt < LOCK_RETRIES; attempt++) {
        st = create_lock(lp, content);
        if (st != RVF_ERR_LOCK_HELD)
            break;
        uint8_t cur[RVF_LOCK_SIZE + 1];
        ssize_t n = read_small(lp, cur, sizeof cur);
        if (n < 0 && errno == ENOENT)
            continue; /* released between our open and read */
        if (n < 0) {
            st = RVF_ERR_IO_ERROR;
            break;
        }
        if (!lock_is_stale(cur, (size_t)n))
            break;
        if (unlink(lp) != 0 && errno != ENOENT) {
            st = RVF_ERR_IO_ERROR;
            break;
        }
    }
    if (st != RVF_OK) {
        rvf_free(lp);
        rvf_free(l);
        return st;
    }
    *out = l;
    return RVF_OK;
}

rvf_status rvf_lock_release(rvf_lock *l)
{
    if (!l)
        return RVF_OK;
    uint8_t cur[RVF_LOCK_SIZE + 1];
    ssize_t n = read_small(l->path, cur, sizeof cur);
    rvf_status st;
    if (n < 0)
        st = errno == ENOENT ? RVF_ERR_LOCK_STALE : RVF_ERR_IO_ERROR;
    else if ((size_t)n < RVF_LOCK_SIZE || memcmp(cur + LOCK_OFF_WRITER, l->writer_id, 16) != 0)
        st = RVF_ERR_LOCK_STALE; /* taken over after we looked stale: the lock is not ours */
    else
        st = (unlink(l->path) == 0 || errno == ENOENT) ? RVF_OK : RVF_ERR_IO_ERROR;
    rvf_free(l->path);
    rvf_free(l);
    return st;
}
