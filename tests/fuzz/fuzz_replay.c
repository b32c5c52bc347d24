/* fuzz_replay.c: main() for the fuzz targets in builds without libFuzzer (FUZZING.md). Runs every
 * file of each folder given (sorted by name, dot files skipped) and every file given through
 * LLVMFuzzerTestOneInput, each from an exact-size heap copy so the sanitizers see any read past
 * its end. No argument: the target's committed corpus (RVF_FUZZ_CORPUS). A crash, a failed
 * invariant or a runtime allocation over 2 GiB aborts, which fails the ctest test; finding no
 * input at all is a failure too. */
#include <dirent.h>
#include <sys/stat.h>

#include "fuzz.h"

/* libFuzzer stops an input that allocates more than -malloc_limit_mb (the -rss_limit_mb of 2048
 * by default); the replay applies the same limit to the runtime's allocations, so the regression
 * input of a memory finding fails here too instead of passing on an overcommitting system. */
enum { ALLOC_LIMIT_MB = 2048 };

static void check_size(size_t n)
{
    if (n > (size_t)ALLOC_LIMIT_MB << 20) {
        fprintf(stderr, "allocation of %zu bytes: over the %d MB limit\n", n, ALLOC_LIMIT_MB);
        abort();
    }
}
static void *limited_alloc(void *ctx, size_t n)
{
    (void)ctx;
    check_size(n);
    return malloc(n ? n : 1);
}
static void *limited_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    check_size(n);
    return realloc(p, n ? n : 1);
}
static void limited_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    FUZZ_ASSERT(buf != NULL);
    for (size_t got; (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            FUZZ_ASSERT(buf != NULL);
        }
    }
    fclose(f);
    uint8_t *exact = fuzz_dup(buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 1;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files replayed, or -1 on an error. */
static int replay_path(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "cannot stat %s\n", path);
        return -1;
    }
    if (!S_ISDIR(sb.st_mode))
        return replay_file(path);
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "cannot open folder %s\n", path);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            names = realloc(names, cap * sizeof *names);
            FUZZ_ASSERT(names != NULL);
        }
        size_t l = strlen(path) + strlen(e->d_name) + 2;
        names[n] = malloc(l);
        FUZZ_ASSERT(names[n] != NULL);
        snprintf(names[n++], l, "%s/%s", path, e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    int total = 0;
    for (size_t i = 0; i < n; i++) {
        int r = total >= 0 ? replay_file(names[i]) : 0;
        total = r < 0 ? -1 : total + r;
        free(names[i]);
    }
    free(names);
    return total;
}

int main(int argc, char **argv)
{
    static const char *const fallback[] = {RVF_FUZZ_CORPUS};
    const char *const *paths = argc > 1 ? (const char *const *)argv + 1 : fallback;
    int npaths = argc > 1 ? argc - 1 : 1, total = 0;
    const rvf_allocator limited = {limited_alloc, limited_realloc, limited_free, NULL};
    rvf_set_allocator(&limited);
    for (int i = 0; i < npaths; i++) {
        int r = replay_path(paths[i]);
        if (r < 0)
            return 1;
        total += r;
    }
    printf("%s: %d inputs replayed\n", argv[0], total);
    return total > 0 ? 0 : 1;
}
