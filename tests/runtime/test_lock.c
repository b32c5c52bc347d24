/* test_lock.c: the writer lock file (RVF-BRIEF §9.2): layout, acquire/release, and the stale
 * rules exercised with crafted lock files carrying old timestamps. */
#define _POSIX_C_SOURCE 200809L /* test programs build as strict C11 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rvf_internal.h"
#include "rvf_test.h"

#define SEC 1000000000ull

static char g_tmp[512];
static char g_host[65]; /* the hostname our lock writes, learned from a real lock file */

static void store_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s.rvf", g_tmp, name);
}

static void lock_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s.rvf.lock", g_tmp, name);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

/* Whole file into buf; returns its length or -1. */
static long read_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return (long)n;
}

static void write_file(const char *path, const uint8_t *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_EQ_U64(fwrite(buf, 1, n, f), n);
    fclose(f);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* A lock file as the reference writes it. */
static void craft(uint8_t out[RVF_LOCK_SIZE], uint32_t pid, const char *host, uint64_t ts,
                  uint8_t id_byte)
{
    memset(out, 0, RVF_LOCK_SIZE);
    rvfk_st_u32(out, RVF_LOCK_MAGIC);
    rvfk_st_u32(out + 4, pid);
    memcpy(out + 8, host, strlen(host));
    rvfk_st_u64(out + 0x48, ts);
    memset(out + 0x50, id_byte, 16);
    rvfk_st_u32(out + 0x60, 1);
    rvfk_st_u32(out + 0x64, rvf_crc32_ieee_update(0, out, 0x64));
}

/* A pid that is certainly dead: a child that exited and was reaped. */
static uint32_t dead_pid(void)
{
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    CHECK(p > 0);
    int status;
    CHECK_EQ_INT(waitpid(p, &status, 0), p);
    return (uint32_t)p;
}

/* Writes a crafted lock for `name`, then tries to acquire. Returns the status; on success checks
 * the file was replaced by ours and releases. */
static rvf_status try_over(const char *name, const uint8_t *content, size_t n)
{
    char sp[600], lp[600];
    store_path(sp, sizeof sp, name);
    lock_path(lp, sizeof lp, name);
    write_file(lp, content, n);
    rvf_lock *l = NULL;
    rvf_status st = rvf_lock_acquire(sp, &l);
    uint8_t cur[200];
    long len = read_file(lp, cur, sizeof cur);
    if (st == RVF_OK) {
        CHECK(l != NULL);
        CHECK_EQ_INT(len, RVF_LOCK_SIZE);
        CHECK_EQ_U64(rvfk_ld_u32(cur + 4), (uint32_t)getpid());
        CHECK_EQ_INT(rvf_lock_release(l), RVF_OK);
        CHECK(!exists(lp));
    } else {
        CHECK(l == NULL);
        /* a held lock is left exactly as it was */
        CHECK_EQ_INT(len, (long)n);
        if (len == (long)n)
            CHECK_MEM(cur, content, n);
        unlink(lp);
    }
    return st;
}

static void test_layout(void)
{
    char sp[600], lp[600];
    store_path(sp, sizeof sp, "layout");
    lock_path(lp, sizeof lp, "layout");
    unlink(lp);
    uint64_t before = now_ns();
    rvf_lock *l = NULL;
    CHECK_EQ_INT(rvf_lock_acquire(sp, &l), RVF_OK);
    uint64_t after = now_ns();
    CHECK(l != NULL);
    uint8_t b[200];
    CHECK_EQ_INT(read_file(lp, b, sizeof b), RVF_LOCK_SIZE);
    static const uint8_t magic[4] = {0x46, 0x4C, 0x56, 0x52}; /* "FLVR" */
    CHECK_MEM(b, magic, 4);
    CHECK_EQ_U64(rvfk_ld_u32(b + 4), (uint32_t)getpid());
    /* hostname: NUL-terminated within 64 bytes, at most 62 characters, zero after the NUL */
    size_t hl = strnlen((const char *)b + 8, 64);
    CHECK(hl > 0 && hl <= 62);
    for (size_t i = hl; i < 64; i++)
        CHECK_EQ_INT(b[8 + i], 0);
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    CHECK_EQ_U64(hl, strlen(host) < 62 ? strlen(host) : 62);
    CHECK(memcmp(b + 8, host, hl) == 0);
    uint64_t ts = rvfk_ld_u64(b + 0x48);
    CHECK(ts >= before && ts <= after);
    static const uint8_t zero16[16];
    CHECK(memcmp(b + 0x50, zero16, 16) != 0);
    CHECK_EQ_U64(rvfk_ld_u32(b + 0x60), 1);
    CHECK_EQ_U64(rvfk_ld_u32(b + 0x64), rvf_crc32_ieee_update(0, b, 0x64));
    /* CRC-32/IEEE itself: the standard check value */
    CHECK_EQ_U64(rvf_crc32_ieee_update(0, "123456789", 9), 0xCBF43926u);
    memcpy(g_host, b + 8, hl);
    g_host[hl] = 0;

    /* a second writer (even in this process) is refused; the file is untouched */
    rvf_lock *l2 = NULL;
    CHECK_EQ_INT(rvf_lock_acquire(sp, &l2), RVF_ERR_LOCK_HELD);
    CHECK(l2 == NULL);
    uint8_t again[200];
    CHECK_EQ_INT(read_file(lp, again, sizeof again), RVF_LOCK_SIZE);
    CHECK_MEM(again, b, RVF_LOCK_SIZE);

    CHECK_EQ_INT(rvf_lock_release(l), RVF_OK);
    CHECK(!exists(lp));
    CHECK_EQ_INT(rvf_lock_release(NULL), RVF_OK);

    /* a fresh writer_id per acquisition */
    CHECK_EQ_INT(rvf_lock_acquire(sp, &l), RVF_OK);
    CHECK_EQ_INT(read_file(lp, again, sizeof again), RVF_LOCK_SIZE);
    CHECK(memcmp(again + 0x50, b + 0x50, 16) != 0);
    CHECK_EQ_INT(rvf_lock_release(l), RVF_OK);
}

static void test_arguments(void)
{
    rvf_lock *l = NULL;
    CHECK_EQ_INT(rvf_lock_acquire(NULL, &l), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_lock_acquire("x", NULL), RVF_ERR_INVALID_ARGUMENT);
    char sp[600];
    snprintf(sp, sizeof sp, "%s/no-such-dir/a.rvf", g_tmp);
    CHECK_EQ_INT(rvf_lock_acquire(sp, &l), RVF_ERR_NOT_FOUND);
    CHECK(l == NULL);
}

static void test_same_host(void)
{
    uint8_t b[RVF_LOCK_SIZE];
    uint64_t now = now_ns();
    uint32_t dead = dead_pid(), live = (uint32_t)getppid();
    craft(b, dead, g_host, now - 31 * SEC, 0x11);
    CHECK_EQ_INT(try_over("dead31", b, sizeof b), RVF_OK);
    craft(b, dead, g_host, now - 5 * SEC, 0x11);
    CHECK_EQ_INT(try_over("dead5", b, sizeof b), RVF_ERR_LOCK_HELD);
    craft(b, live, g_host, now - 3600 * SEC, 0x11);
    CHECK_EQ_INT(try_over("live1h", b, sizeof b), RVF_ERR_LOCK_HELD);
    /* our own pid is alive too: a second handle in this process must not break the lock */
    craft(b, (uint32_t)getpid(), g_host, now - 3600 * SEC, 0x11);
    CHECK_EQ_INT(try_over("self1h", b, sizeof b), RVF_ERR_LOCK_HELD);
    /* a timestamp in the future (clock skew) has age 0 */
    craft(b, dead, g_host, now + 3600 * SEC, 0x11);
    CHECK_EQ_INT(try_over("future", b, sizeof b), RVF_ERR_LOCK_HELD);
    /* pid 0 and pids above INT32_MAX name no process (kill() would address a group) */
    craft(b, 0, g_host, now - 31 * SEC, 0x11);
    CHECK_EQ_INT(try_over("pid0", b, sizeof b), RVF_OK);
    craft(b, 0xFFFFFFFFu, g_host, now - 31 * SEC, 0x11);
    CHECK_EQ_INT(try_over("pidneg", b, sizeof b), RVF_OK);
    craft(b, 0xFFFFFFFFu, g_host, now - 5 * SEC, 0x11);
    CHECK_EQ_INT(try_over("pidneg5", b, sizeof b), RVF_ERR_LOCK_HELD);
}

static void test_other_host(void)
{
    uint8_t b[RVF_LOCK_SIZE];
    uint64_t now = now_ns();
    uint32_t live = (uint32_t)getppid();
    char other[80];
    snprintf(other, sizeof other, "%.40s-elsewhere", g_host);
    craft(b, live, other, now - 301 * SEC, 0x22);
    CHECK_EQ_INT(try_over("other301", b, sizeof b), RVF_OK);
    craft(b, live, other, now - 100 * SEC, 0x22);
    CHECK_EQ_INT(try_over("other100", b, sizeof b), RVF_ERR_LOCK_HELD);
    /* the pid of another host is never checked: a dead local pid does not shorten 300 s */
    craft(b, dead_pid(), other, now - 31 * SEC, 0x22);
    CHECK_EQ_INT(try_over("otherdead31", b, sizeof b), RVF_ERR_LOCK_HELD);
}

/* The reference names this host by $HOSTNAME: a lock carrying that spelling is same-host. */
static void test_reference_hostname(void)
{
    const char *saved = getenv("HOSTNAME");
    char keep[256] = {0};
    if (saved)
        snprintf(keep, sizeof keep, "%s", saved);
    setenv("HOSTNAME", "ref-spelling-of-this-host", 1);
    uint8_t b[RVF_LOCK_SIZE];
    uint64_t now = now_ns();
    craft(b, dead_pid(), "ref-spelling-of-this-host", now - 31 * SEC, 0x33);
    CHECK_EQ_INT(try_over("refhost", b, sizeof b), RVF_OK);
    if (saved)
        setenv("HOSTNAME", keep, 1);
    else
        unsetenv("HOSTNAME");
}

static void test_malformed(void)
{
    uint8_t b[RVF_LOCK_SIZE];
    uint64_t now = now_ns();
    uint32_t live = (uint32_t)getppid();
    /* short files, down to empty */
    craft(b, live, g_host, now, 0x44);
    CHECK_EQ_INT(try_over("short103", b, RVF_LOCK_SIZE - 1), RVF_OK);
    CHECK_EQ_INT(try_over("short4", b, 4), RVF_OK);
    CHECK_EQ_INT(try_over("empty", b, 0), RVF_OK);
    /* bad magic, however fresh and alive */
    craft(b, live, g_host, now, 0x44);
    b[0] ^= 1;
    CHECK_EQ_INT(try_over("badmagic", b, sizeof b), RVF_OK);
    /* a checksum mismatch alone does not make a lock deletable ... */
    craft(b, live, g_host, now, 0x44);
    b[0x64] ^= 0xFF;
    CHECK_EQ_INT(try_over("badcrc", b, sizeof b), RVF_ERR_LOCK_HELD);
    /* ... nor does an unknown lock_version */
    craft(b, live, g_host, now, 0x44);
    rvfk_st_u32(b + 0x60, 7);
    CHECK_EQ_INT(try_over("version7", b, sizeof b), RVF_ERR_LOCK_HELD);
    /* and a stale lock stays stale with a bad checksum */
    craft(b, dead_pid(), g_host, now - 31 * SEC, 0x44);
    b[0x64] ^= 0xFF;
    CHECK_EQ_INT(try_over("badcrcstale", b, sizeof b), RVF_OK);
    /* a longer file with a valid prefix is judged by its first 104 bytes */
    uint8_t longer[RVF_LOCK_SIZE + 20];
    memset(longer, 0xEE, sizeof longer);
    craft(longer, live, g_host, now, 0x44);
    CHECK_EQ_INT(try_over("longer", longer, sizeof longer), RVF_ERR_LOCK_HELD);
    /* a hostname field without any NUL is compared over its 64 bytes */
    craft(b, dead_pid(), "", now - 31 * SEC, 0x44);
    memset(b + 8, 'h', 64);
    rvfk_st_u32(b + 0x64, rvf_crc32_ieee_update(0, b, 0x64));
    CHECK_EQ_INT(try_over("nonul", b, sizeof b), RVF_ERR_LOCK_HELD);
}

static void test_release_taken_over(void)
{
    char sp[600], lp[600];
    store_path(sp, sizeof sp, "takeover");
    lock_path(lp, sizeof lp, "takeover");
    unlink(lp);
    rvf_lock *l = NULL;
    CHECK_EQ_INT(rvf_lock_acquire(sp, &l), RVF_OK);
    /* another writer judged us stale and wrote its own lock */
    uint8_t b[RVF_LOCK_SIZE];
    craft(b, (uint32_t)getppid(), g_host, now_ns(), 0x55);
    write_file(lp, b, sizeof b);
    CHECK_EQ_INT(rvf_lock_release(l), RVF_ERR_LOCK_STALE);
    uint8_t cur[200];
    CHECK_EQ_INT(read_file(lp, cur, sizeof cur), RVF_LOCK_SIZE);
    CHECK_MEM(cur, b, RVF_LOCK_SIZE);
    unlink(lp);

    /* the lock vanished under us */
    CHECK_EQ_INT(rvf_lock_acquire(sp, &l), RVF_OK);
    CHECK_EQ_INT(unlink(lp), 0);
    CHECK_EQ_INT(rvf_lock_release(l), RVF_ERR_LOCK_STALE);
    CHECK(!exists(lp));

    /* replaced by a short file: not ours either, left alone */
    CHECK_EQ_INT(rvf_lock_acquire(sp, &l), RVF_OK);
    write_file(lp, b, 10);
    CHECK_EQ_INT(rvf_lock_release(l), RVF_ERR_LOCK_STALE);
    CHECK(exists(lp));
    unlink(lp);
}

int main(void)
{
    const char *t = getenv("RVF_TMP");
    snprintf(g_tmp, sizeof g_tmp, "%s", t && *t ? t : "/tmp/rvf-test_lock");
    if (mkdir(g_tmp, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "cannot create %s\n", g_tmp);
        return 1;
    }
    RVF_TEST_RUN(test_layout); /* first: learns g_host */
    RVF_TEST_RUN(test_arguments);
    RVF_TEST_RUN(test_same_host);
    RVF_TEST_RUN(test_other_host);
    RVF_TEST_RUN(test_reference_hostname);
    RVF_TEST_RUN(test_malformed);
    RVF_TEST_RUN(test_release_taken_over);
    return rvf_test_finish();
}
