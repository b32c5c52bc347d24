/* rvf_io.c: the byte stores under a store: POSIX file, growable memory, read-only view, and a
 * caller's range-read source. Every backend reads exactly or reports RVF_ERR_TRUNCATED_SEGMENT. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "rvf_internal.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

/* Bytes per pread/pwrite call: Linux transfers at most 0x7ffff000 per call anyway. */
#define IO_CHUNK ((size_t)1 << 30)

static rvf_status errno_status(int e)
{
    switch (e) {
    case ENOENT:
        return RVF_ERR_NOT_FOUND;
    case EEXIST:
        return RVF_ERR_ALREADY_EXISTS;
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
        return RVF_ERR_DISK_FULL;
    default:
        return RVF_ERR_IO_ERROR;
    }
}

/* ---- POSIX file ---------------------------------------------------------------------------- */
typedef struct io_file {
    rvf_io io; /* first: the handle is the backend */
    int fd;
} io_file;

static rvf_status file_read(rvf_io *io, uint64_t off, void *dst, size_t n)
{
    io_file *f = (io_file *)io;
    if (n == 0)
        return RVF_OK;
    if (off > (uint64_t)INT64_MAX - n)
        return RVF_ERR_TRUNCATED_SEGMENT;
    uint8_t *p = dst;
    io->read_requests++;
    while (n) {
        ssize_t r = pread(f->fd, p, n < IO_CHUNK ? n : IO_CHUNK, (off_t)off);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return RVF_ERR_IO_ERROR;
        }
        if (r == 0)
            return RVF_ERR_TRUNCATED_SEGMENT;
        io->bytes_read += (uint64_t)r;
        p += r;
        off += (uint64_t)r;
        n -= (size_t)r;
    }
    return RVF_OK;
}

static rvf_status file_write(rvf_io *io, uint64_t off, const void *src, size_t n)
{
    io_file *f = (io_file *)io;
    if (n == 0)
        return RVF_OK;
    if (off > (uint64_t)INT64_MAX - n)
        return RVF_ERR_INVALID_ARGUMENT;
    const uint8_t *p = src;
    while (n) {
        ssize_t w = pwrite(f->fd, p, n < IO_CHUNK ? n : IO_CHUNK, (off_t)off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno_status(errno);
        }
        if (w == 0) /* no progress and no errno: do not spin */
            return RVF_ERR_IO_ERROR;
        p += w;
        off += (uint64_t)w;
        n -= (size_t)w;
    }
    return RVF_OK;
}

static int fd_sync(int fd)
{
    int r;
#if defined(F_FULLFSYNC)
    /* macOS: fsync() does not reach the platter; fall back when the volume refuses. */
    if (fcntl(fd, F_FULLFSYNC) == 0)
        return 0;
#endif
    do {
#if defined(__linux__) || (defined(_POSIX_SYNCHRONIZED_IO) && _POSIX_SYNCHRONIZED_IO > 0)
        r = fdatasync(fd);
#else
        r = fsync(fd);
#endif
    } while (r != 0 && errno == EINTR);
    return r;
}

static rvf_status file_sync(rvf_io *io)
{
    return fd_sync(((io_file *)io)->fd) == 0 ? RVF_OK : RVF_ERR_FSYNC_FAILED;
}

static rvf_status file_truncate(rvf_io *io, uint64_t size)
{
    if (size > (uint64_t)INT64_MAX)
        return RVF_ERR_INVALID_ARGUMENT;
    int r;
    do
        r = ftruncate(((io_file *)io)->fd, (off_t)size);
    while (r != 0 && errno == EINTR);
    return r == 0 ? RVF_OK : errno_status(errno);
}

/* Asked at call time: a reader's file grows while a writer appends. */
static uint64_t file_size(rvf_io *io)
{
    struct stat st;
    if (fstat(((io_file *)io)->fd, &st) != 0 || st.st_size < 0)
        return 0;
    return (uint64_t)st.st_size;
}

static const uint8_t *no_map(rvf_io *io, uint64_t off, size_t n)
{
    (void)io, (void)off, (void)n;
    return NULL;
}

static void file_close(rvf_io *io)
{
    io_file *f = (io_file *)io;
    close(f->fd); /* an error here cannot be acted on; durability comes from sync() */
    rvf_free(f);
}

rvf_status rvf_io_file_open(const char *path, int flags, rvf_io **out)
{
    if (!out)
        return RVF_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!path || !flags || (flags & ~(RVF_IO_READ | RVF_IO_WRITE | RVF_IO_CREATE)))
        return RVF_ERR_INVALID_ARGUMENT;
    bool writable = (flags & (RVF_IO_WRITE | RVF_IO_CREATE)) != 0;
    int oflags = O_CLOEXEC | (writable ? O_RDWR : O_RDONLY);
    if (flags & RVF_IO_CREATE)
        oflags |= O_CREAT | O_EXCL;
    io_file *f = rvf_calloc(1, sizeof *f);
    if (!f)
        return RVF_ERR_OUT_OF_MEMORY;
    do
        f->fd = open(path, oflags, 0644);
    while (f->fd < 0 && errno == EINTR);
    if (f->fd < 0) {
        rvf_status st = errno_status(errno);
        rvf_free(f);
        return st;
    }
    f->io.read = file_read;
    f->io.write = writable ? file_write : NULL;
    f->io.sync = writable ? file_sync : NULL;
    f->io.truncate = writable ? file_truncate : NULL;
    f->io.size = file_size;
    f->io.map = no_map;
    f->io.close = file_close;
    *out = &f->io;
    return RVF_OK;
}

rvf_status rvf_fsync_dir(const char *path)
{
    if (!path)
        return RVF_ERR_INVALID_ARGUMENT;
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (slash == path ? 1 : (size_t)(slash - path)) : 1;
    char *dir = rvf_malloc(n + 1);
    if (!dir)
        return RVF_ERR_OUT_OF_MEMORY;
    memcpy(dir, slash ? path : ".", n);
    dir[n] = 0;
    int fd;
    do
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    rvf_free(dir);
    if (fd < 0)
        return errno_status(errno);
    int r;
    do
        r = fsync(fd);
    while (r != 0 && errno == EINTR);
    /* Some filesystems cannot sync a directory (EINVAL): their renames are not journaled either,
     * so there is nothing more to wait for. */
    rvf_status st = (r == 0 || errno == EINVAL) ? RVF_OK : RVF_ERR_FSYNC_FAILED;
    close(fd);
    return st;
}

/* ---- memory and view ----------------------------------------------------------------------- */
typedef struct io_mem {
    rvf_io io;
    uint8_t *data;       /* growable copy (memory) */
    const uint8_t *view; /* caller bytes (view); equals data for memory */
    size_t len, cap;
} io_mem;

static rvf_status mem_read(rvf_io *io, uint64_t off, void *dst, size_t n)
{
    io_mem *m = (io_mem *)io;
    if (n == 0)
        return RVF_OK;
    if (off > m->len || n > m->len - off)
        return RVF_ERR_TRUNCATED_SEGMENT;
    memcpy(dst, m->view + off, n);
    io->bytes_read += n;
    io->read_requests++;
    return RVF_OK;
}

static bool mem_reserve(io_mem *m, size_t need)
{
    if (need <= m->cap)
        return true;
    size_t cap = m->cap ? m->cap : 4096;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *p = rvf_realloc(m->data, cap);
    if (!p)
        return false;
    m->data = p;
    m->view = p;
    m->cap = cap;
    return true;
}

/* Grows or shrinks; bytes between the old and new end read as zero. */
static rvf_status mem_set_len(io_mem *m, uint64_t len)
{
    if (len > SIZE_MAX)
        return RVF_ERR_OUT_OF_MEMORY;
    if (!mem_reserve(m, (size_t)len))
        return RVF_ERR_OUT_OF_MEMORY;
    if (len > m->len)
        memset(m->data + m->len, 0, (size_t)len - m->len);
    m->len = (size_t)len;
    return RVF_OK;
}

static rvf_status mem_write(rvf_io *io, uint64_t off, const void *src, size_t n)
{
    io_mem *m = (io_mem *)io;
    if (n == 0)
        return RVF_OK;
    if (off > SIZE_MAX - n)
        return RVF_ERR_OUT_OF_MEMORY;
    if (off + n > m->len) {
        rvf_status st = mem_set_len(m, off + n);
        if (st != RVF_OK)
            return st;
    }
    memcpy(m->data + off, src, n);
    return RVF_OK;
}

static rvf_status mem_truncate(rvf_io *io, uint64_t size)
{
    return mem_set_len((io_mem *)io, size);
}

static uint64_t mem_size(rvf_io *io)
{
    return ((io_mem *)io)->len;
}

static const uint8_t *mem_map(rvf_io *io, uint64_t off, size_t n)
{
    io_mem *m = (io_mem *)io;
    if (!m->view || off > m->len || n > m->len - off)
        return NULL;
    return m->view + off;
}

static void mem_close(rvf_io *io)
{
    io_mem *m = (io_mem *)io;
    rvf_free(m->data);
    rvf_free(m);
}

static rvf_status mem_new(io_mem **out)
{
    io_mem *m = rvf_calloc(1, sizeof *m);
    if (!m)
        return RVF_ERR_OUT_OF_MEMORY;
    m->io.read = mem_read;
    m->io.size = mem_size;
    m->io.map = mem_map;
    m->io.close = mem_close;
    *out = m;
    return RVF_OK;
}

rvf_status rvf_io_memory(const void *bytes, size_t len, rvf_io **out)
{
    if (!out)
        return RVF_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!bytes && len)
        return RVF_ERR_INVALID_ARGUMENT;
    io_mem *m;
    rvf_status st = mem_new(&m);
    if (st != RVF_OK)
        return st;
    m->io.write = mem_write;
    m->io.truncate = mem_truncate;
    if (len) {
        if (!mem_reserve(m, len)) {
            mem_close(&m->io);
            return RVF_ERR_OUT_OF_MEMORY;
        }
        memcpy(m->data, bytes, len);
        m->len = len;
    }
    *out = &m->io;
    return RVF_OK;
}

rvf_status rvf_io_view(const void *bytes, size_t len, rvf_io **out)
{
    if (!out)
        return RVF_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!bytes && len)
        return RVF_ERR_INVALID_ARGUMENT;
    io_mem *m;
    rvf_status st = mem_new(&m);
    if (st != RVF_OK)
        return st;
    m->view = bytes;
    m->len = len;
    *out = &m->io;
    return RVF_OK;
}

const uint8_t *rvf_io_memory_bytes(rvf_io *io, size_t *len)
{
    if (!io || io->close != mem_close) {
        if (len)
            *len = 0;
        return NULL;
    }
    io_mem *m = (io_mem *)io;
    if (len)
        *len = m->len;
    return m->view;
}

/* ---- caller source ------------------------------------------------------------------------- */
typedef struct io_src {
    rvf_io io;
    rvf_source src;
} io_src;

static rvf_status src_read(rvf_io *io, uint64_t off, void *dst, size_t n)
{
    io_src *s = (io_src *)io;
    if (n == 0)
        return RVF_OK;
    if (off > s->src.size || n > s->src.size - off)
        return RVF_ERR_TRUNCATED_SEGMENT;
    rvf_status st = s->src.read(s->src.ctx, off, dst, n);
    if (st == RVF_OK) {
        io->bytes_read += n;
        io->read_requests++;
    }
    return st;
}

static uint64_t src_size(rvf_io *io)
{
    return ((io_src *)io)->src.size;
}

static void src_close(rvf_io *io)
{
    io_src *s = (io_src *)io;
    if (s->src.close)
        s->src.close(s->src.ctx);
    rvf_free(s);
}

rvf_status rvf_io_source(const rvf_source *src, rvf_io **out)
{
    if (!out)
        return RVF_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!src || !src->read)
        return RVF_ERR_INVALID_ARGUMENT;
    io_src *s = rvf_calloc(1, sizeof *s);
    if (!s)
        return RVF_ERR_OUT_OF_MEMORY;
    s->src = *src;
    s->io.read = src_read;
    s->io.size = src_size;
    s->io.map = no_map;
    s->io.close = src_close;
    *out = &s->io;
    return RVF_OK;
}
