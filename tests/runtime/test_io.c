/* test_io.c: the byte-store backends of rvf_io.c (file, memory, view, source). */
/* test programs build as strict C11: ask for POSIX explicitly */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rvf_internal.h"
#include "rvf_test.h"

static char g_tmp[512];

static void tmp_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", g_tmp, name);
}

/* The behaviour every writable backend shares: io starts empty. */
static void check_writable(rvf_io *io)
{
    CHECK(io->write != NULL);
    CHECK(io->truncate != NULL);
    CHECK_EQ_U64(io->size(io), 0);
    const uint8_t a[5] = {1, 2, 3, 4, 5}, b[3] = {0xAA, 0xBB, 0xCC};
    CHECK_EQ_INT(io->write(io, 0, a, 5), RVF_OK);
    CHECK_EQ_U64(io->size(io), 5);
    /* past the end: the gap reads as zeros */
    CHECK_EQ_INT(io->write(io, 10, b, 3), RVF_OK);
    CHECK_EQ_U64(io->size(io), 13);
    /* overwrite inside */
    CHECK_EQ_INT(io->write(io, 3, b, 3), RVF_OK);
    uint8_t got[13];
    const uint8_t want[13] = {1, 2, 3, 0xAA, 0xBB, 0xCC, 0, 0, 0, 0, 0xAA, 0xBB, 0xCC};
    io->bytes_read = 0;
    CHECK_EQ_INT(io->read(io, 0, got, 13), RVF_OK);
    CHECK_MEM(got, want, 13);
    CHECK_EQ_U64(io->bytes_read, 13);
    uint8_t two[2];
    CHECK_EQ_INT(io->read(io, 11, two, 2), RVF_OK);
    CHECK_EQ_INT(two[0], 0xBB);
    CHECK_EQ_INT(two[1], 0xCC);
    CHECK_EQ_U64(io->bytes_read, 15);
    /* past EOF, straddling EOF, and a zero-length read at the end */
    CHECK_EQ_INT(io->read(io, 12, two, 2), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_INT(io->read(io, 100, two, 1), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_INT(io->read(io, UINT64_MAX, two, 2), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_INT(io->read(io, 13, two, 0), RVF_OK);
    if (io->sync)
        CHECK_EQ_INT(io->sync(io), RVF_OK);
    /* shrink, then grow: the regrown tail is zero */
    CHECK_EQ_INT(io->truncate(io, 4), RVF_OK);
    CHECK_EQ_U64(io->size(io), 4);
    CHECK_EQ_INT(io->read(io, 3, two, 2), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_INT(io->truncate(io, 8), RVF_OK);
    CHECK_EQ_U64(io->size(io), 8);
    uint8_t eight[8];
    const uint8_t want8[8] = {1, 2, 3, 0xAA, 0, 0, 0, 0};
    CHECK_EQ_INT(io->read(io, 0, eight, 8), RVF_OK);
    CHECK_MEM(eight, want8, 8);
    CHECK_EQ_INT(io->truncate(io, 0), RVF_OK);
    CHECK_EQ_U64(io->size(io), 0);
    CHECK_EQ_INT(io->read(io, 0, two, 1), RVF_ERR_TRUNCATED_SEGMENT);
}

static void test_file_backend(void)
{
    char p[600];
    tmp_path(p, sizeof p, "file.bin");
    unlink(p);
    rvf_io *io = NULL;
    CHECK_EQ_INT(rvf_io_file_open(p, RVF_IO_READ, &io), RVF_ERR_NOT_FOUND);
    CHECK(io == NULL);
    CHECK_EQ_INT(rvf_io_file_open(p, RVF_IO_WRITE, &io), RVF_ERR_NOT_FOUND);
    CHECK_EQ_INT(rvf_io_file_open(p, RVF_IO_CREATE, &io), RVF_OK);
    if (!io)
        return;
    struct stat st;
    CHECK_EQ_INT(stat(p, &st), 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0644); /* main() sets umask 022 */
    CHECK(io->map(io, 0, 0) == NULL);
    CHECK(rvf_io_memory_bytes(io, NULL) == NULL);
    check_writable(io);
    const uint8_t hello[5] = {'h', 'e', 'l', 'l', 'o'};
    CHECK_EQ_INT(io->write(io, 0, hello, 5), RVF_OK);
    CHECK_EQ_INT(io->sync(io), RVF_OK);
    io->close(io);

    /* CREATE on an existing file */
    io = NULL;
    CHECK_EQ_INT(rvf_io_file_open(p, RVF_IO_CREATE, &io), RVF_ERR_ALREADY_EXISTS);
    CHECK(io == NULL);
    CHECK_EQ_INT(rvf_io_file_open(p, RVF_IO_WRITE | RVF_IO_CREATE, &io), RVF_ERR_ALREADY_EXISTS);

    /* read-only: no write, truncate or sync; size follows a growing file */
    CHECK_EQ_INT(rvf_io_file_open(p, RVF_IO_READ, &io), RVF_OK);
    if (!io)
        return;
    CHECK(io->write == NULL);
    CHECK(io->truncate == NULL);
    CHECK(io->sync == NULL);
    CHECK(io->map(io, 0, 5) == NULL);
    CHECK_EQ_U64(io->size(io), 5);
    uint8_t got[5];
    CHECK_EQ_INT(io->read(io, 0, got, 5), RVF_OK);
    CHECK_MEM(got, hello, 5);
    CHECK_EQ_U64(io->bytes_read, 5);
    CHECK_EQ_INT(io->read(io, 3, got, 3), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_U64(io->bytes_read, 7); /* the 2 bytes before EOF were read and count */
    int fd = open(p, O_WRONLY | O_APPEND);
    CHECK(fd >= 0);
    CHECK_EQ_INT(write(fd, "!!!", 3), 3);
    close(fd);
    CHECK_EQ_U64(io->size(io), 8);
    CHECK_EQ_INT(io->read(io, 5, got, 3), RVF_OK);
    CHECK_MEM(got, "!!!", 3);
    io->close(io);

    /* a large transfer (several pages) round-trips */
    CHECK_EQ_INT(rvf_io_file_open(p, RVF_IO_WRITE, &io), RVF_OK);
    if (!io)
        return;
    size_t big = 3 * 1000 * 1000 + 17;
    uint8_t *src = malloc(big), *dst = malloc(big);
    rvf_test_rng r = {42};
    for (size_t i = 0; i < big; i++)
        src[i] = (uint8_t)rvf_test_next(&r);
    CHECK_EQ_INT(io->write(io, 4096 + 3, src, big), RVF_OK);
    CHECK_EQ_U64(io->size(io), 4096 + 3 + big);
    CHECK_EQ_INT(io->read(io, 4096 + 3, dst, big), RVF_OK);
    CHECK(memcmp(src, dst, big) == 0);
    free(src);
    free(dst);
    io->close(io);
    unlink(p);
}

static void test_file_errors(void)
{
    static rvf_io dummy;
    rvf_io *io = &dummy; /* must be cleared on failure */
    CHECK_EQ_INT(rvf_io_file_open(NULL, RVF_IO_READ, &io), RVF_ERR_INVALID_ARGUMENT);
    CHECK(io == NULL);
    char p[600];
    tmp_path(p, sizeof p, "flags.bin");
    CHECK_EQ_INT(rvf_io_file_open(p, 0, &io), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_io_file_open(p, 8, &io), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_io_file_open(p, RVF_IO_READ, NULL), RVF_ERR_INVALID_ARGUMENT);
    /* a missing directory */
    tmp_path(p, sizeof p, "no-such-dir/x.bin");
    CHECK_EQ_INT(rvf_io_file_open(p, RVF_IO_CREATE, &io), RVF_ERR_NOT_FOUND);
    /* a directory is not a store file */
    CHECK_EQ_INT(rvf_io_file_open(g_tmp, RVF_IO_WRITE, &io), RVF_ERR_IO_ERROR);
    CHECK(io == NULL);
}

static void test_fsync_dir(void)
{
    char p[600];
    tmp_path(p, sizeof p, "anything.rvf");
    CHECK_EQ_INT(rvf_fsync_dir(p), RVF_OK);
    CHECK_EQ_INT(rvf_fsync_dir("relative-name"), RVF_OK); /* "." */
    CHECK_EQ_INT(rvf_fsync_dir("/etc"), RVF_OK);          /* "/" */
    tmp_path(p, sizeof p, "no-such-dir/x.rvf");
    CHECK_EQ_INT(rvf_fsync_dir(p), RVF_ERR_NOT_FOUND);
    CHECK_EQ_INT(rvf_fsync_dir(NULL), RVF_ERR_INVALID_ARGUMENT);
}

static void test_memory_backend(void)
{
    rvf_io *io = NULL;
    CHECK_EQ_INT(rvf_io_memory(NULL, 0, &io), RVF_OK);
    if (!io)
        return;
    CHECK(io->sync == NULL);
    check_writable(io);
    io->close(io);

    /* the initial bytes are copied */
    uint8_t init[4] = {9, 8, 7, 6};
    CHECK_EQ_INT(rvf_io_memory(init, 4, &io), RVF_OK);
    if (!io)
        return;
    init[0] = 0;
    size_t len = 0;
    const uint8_t *img = rvf_io_memory_bytes(io, &len);
    CHECK_EQ_U64(len, 4);
    CHECK(img != init);
    CHECK_EQ_INT(img[0], 9);
    /* map points into the current image */
    const uint8_t *m = io->map(io, 1, 3);
    CHECK(m == img + 1);
    CHECK(io->map(io, 2, 3) == NULL);
    CHECK(io->map(io, 5, 0) == NULL);
    CHECK(io->map(io, 4, 0) == img + 4);
    /* growth moves the image; memory_bytes follows it */
    uint8_t block[10000];
    memset(block, 0x5A, sizeof block);
    CHECK_EQ_INT(io->write(io, 4, block, sizeof block), RVF_OK);
    img = rvf_io_memory_bytes(io, &len);
    CHECK_EQ_U64(len, 4 + sizeof block);
    CHECK_EQ_INT(img[3], 6);
    CHECK_EQ_INT(img[4 + sizeof block - 1], 0x5A);
    CHECK(io->map(io, 4, sizeof block) == img + 4);
    CHECK_EQ_INT(io->write(io, UINT64_MAX - 1, block, 4), RVF_ERR_OUT_OF_MEMORY);
    CHECK_EQ_U64(io->size(io), 4 + sizeof block);
    io->close(io);

    CHECK_EQ_INT(rvf_io_memory(NULL, 3, &io), RVF_ERR_INVALID_ARGUMENT);
    CHECK(io == NULL);
}

static void test_view_backend(void)
{
    static const uint8_t bytes[6] = {10, 11, 12, 13, 14, 15};
    rvf_io *io = NULL;
    CHECK_EQ_INT(rvf_io_view(bytes, sizeof bytes, &io), RVF_OK);
    if (!io)
        return;
    CHECK(io->write == NULL);
    CHECK(io->truncate == NULL);
    CHECK(io->sync == NULL);
    CHECK_EQ_U64(io->size(io), 6);
    CHECK(io->map(io, 0, 6) == bytes); /* zero-copy */
    CHECK(io->map(io, 2, 1) == bytes + 2);
    CHECK(io->map(io, 2, 5) == NULL);
    size_t len = 0;
    CHECK(rvf_io_memory_bytes(io, &len) == bytes);
    CHECK_EQ_U64(len, 6);
    uint8_t got[4];
    CHECK_EQ_INT(io->read(io, 2, got, 4), RVF_OK);
    CHECK_MEM(got, bytes + 2, 4);
    CHECK_EQ_U64(io->bytes_read, 4);
    CHECK_EQ_INT(io->read(io, 3, got, 4), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_U64(io->bytes_read, 4);
    io->close(io);

    CHECK_EQ_INT(rvf_io_view(NULL, 0, &io), RVF_OK);
    if (!io)
        return;
    CHECK_EQ_U64(io->size(io), 0);
    CHECK_EQ_INT(io->read(io, 0, got, 1), RVF_ERR_TRUNCATED_SEGMENT);
    io->close(io);
}

/* A test source: serves buf, fails every read that touches fail_at, counts calls and closes. */
typedef struct test_src {
    const uint8_t *buf;
    uint64_t fail_at;
    int reads, closes;
} test_src;

static rvf_status test_src_read(void *ctx, uint64_t off, void *dst, size_t n)
{
    test_src *t = ctx;
    t->reads++;
    if (t->fail_at >= off && t->fail_at < off + n)
        return RVF_ERR_IO_ERROR;
    memcpy(dst, t->buf + off, n);
    return RVF_OK;
}

static void test_src_close(void *ctx)
{
    ((test_src *)ctx)->closes++;
}

static void test_source_backend(void)
{
    static const uint8_t bytes[8] = {1, 1, 2, 3, 5, 8, 13, 21};
    test_src t = {bytes, 6, 0, 0};
    rvf_source src = {&t, sizeof bytes, test_src_read, test_src_close};
    rvf_io *io = NULL;
    CHECK_EQ_INT(rvf_io_source(&src, &io), RVF_OK);
    if (!io)
        return;
    src.size = 0; /* the backend keeps its own copy */
    CHECK(io->write == NULL);
    CHECK(io->truncate == NULL);
    CHECK(io->sync == NULL);
    CHECK(io->map(io, 0, 1) == NULL);
    CHECK(rvf_io_memory_bytes(io, NULL) == NULL);
    CHECK_EQ_U64(io->size(io), 8);
    uint8_t got[8];
    CHECK_EQ_INT(io->read(io, 0, got, 6), RVF_OK);
    CHECK_MEM(got, bytes, 6);
    CHECK_EQ_U64(io->bytes_read, 6);
    /* the callback's failure comes back unchanged and counts no bytes */
    CHECK_EQ_INT(io->read(io, 4, got, 4), RVF_ERR_IO_ERROR);
    CHECK_EQ_U64(io->bytes_read, 6);
    CHECK_EQ_INT(t.reads, 2);
    /* beyond size: TRUNCATED without asking the callback */
    CHECK_EQ_INT(io->read(io, 7, got, 2), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_INT(io->read(io, UINT64_MAX, got, 2), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_INT(t.reads, 2);
    CHECK_EQ_INT(t.closes, 0);
    io->close(io);
    CHECK_EQ_INT(t.closes, 1);

    /* a source without close */
    src.size = 8;
    src.close = NULL;
    t.fail_at = UINT64_MAX;
    CHECK_EQ_INT(rvf_io_source(&src, &io), RVF_OK);
    if (!io)
        return;
    CHECK_EQ_INT(io->read(io, 7, got, 1), RVF_OK);
    CHECK_EQ_INT(got[0], 21);
    io->close(io);
    CHECK_EQ_INT(t.closes, 1);

    src.read = NULL;
    CHECK_EQ_INT(rvf_io_source(&src, &io), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_io_source(NULL, &io), RVF_ERR_INVALID_ARGUMENT);
    CHECK(io == NULL);
}

int main(void)
{
    const char *t = getenv("RVF_TMP");
    snprintf(g_tmp, sizeof g_tmp, "%s", t && *t ? t : "/tmp/rvf-test_io");
    if (mkdir(g_tmp, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "cannot create %s\n", g_tmp);
        return 1;
    }
    umask(022);
    RVF_TEST_RUN(test_file_backend);
    RVF_TEST_RUN(test_file_errors);
    RVF_TEST_RUN(test_fsync_dir);
    RVF_TEST_RUN(test_memory_backend);
    RVF_TEST_RUN(test_view_backend);
    RVF_TEST_RUN(test_source_backend);
    return rvf_test_finish();
}
