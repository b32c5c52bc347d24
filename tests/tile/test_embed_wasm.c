/* test_embed_wasm.c: rvf_embed_wasm (runtime/include/rvf.h), the WASM_SEG of FORMAT.md: the
 * WasmHeader bytes and the SHAKE-256 known answer, the commit (the new manifest lists it, a
 * reopen sees it), verification, compaction keeping it byte for byte, and the refusals.
 * Usage: test_embed_wasm TMPDIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rvf.h"
#include "rvf_test.h"

static char path[512];
/* the smallest module: magic and version; its SHAKE-256-256, computed with Python's hashlib */
static const uint8_t empty_module[8] = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
static const char empty_hash[] = "a6e9c86430d33f88bc234dd0328c2bebdf55dea4c6310d461b7db0f5ea4a23c1";

static uint8_t *read_all(const char *p, size_t *n)
{
    FILE *f = fopen(p, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)len + 1);
    *n = fread(b, 1, (size_t)len, f);
    fclose(f);
    return b;
}

/* The WASM_SEG the current manifest lists: its header offset, or UINT64_MAX. */
static uint64_t wasm_seg(rvf_store *s, uint64_t *payload_len)
{
    rvf_segment_info *segs = NULL;
    uint32_t n = 0, found = 0;
    uint64_t off = UINT64_MAX;
    CHECK_EQ_INT(rvf_segments(s, &segs, &n), RVF_OK);
    for (uint32_t i = 0; i < n; i++)
        if (segs[i].seg_type == 0x10) {
            off = segs[i].offset;
            *payload_len = segs[i].payload_length;
            found++;
        }
    CHECK_EQ_INT(found, 1);
    rvf_release(segs);
    return off;
}

static void test_embed(void)
{
    rvf_options o = rvf_options_default(4);
    o.no_sync = 1;
    rvf_store *s = NULL;
    unlink(path);
    CHECK_EQ_INT(rvf_create(path, &o, &s), RVF_OK);
    float v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint64_t ids[2] = {10, 11};
    CHECK_EQ_INT(rvf_ingest(s, v, ids, 2, NULL, NULL), RVF_OK);
    rvf_wasm_options w = {0, 4, 0x0003, 14, 2, 0, 7, 0};
    uint64_t seg = 0;
    rvf_status_info before, after;
    CHECK_EQ_INT(rvf_status_get(s, &before), RVF_OK);
    CHECK_EQ_INT(rvf_embed_wasm(s, empty_module, sizeof empty_module, &w, &seg), RVF_OK);
    CHECK(seg > 0);
    CHECK_EQ_INT(rvf_status_get(s, &after), RVF_OK);
    CHECK_EQ_INT(after.epoch, before.epoch + 1);
    CHECK_EQ_INT(after.live_vectors, 2);
    /* refusals: not wasm, no bytes, no options */
    static const uint8_t not_wasm[8] = {'h', 'e', 'l', 'l', 'o', '!', '!', '!'};
    CHECK_EQ_INT(rvf_embed_wasm(s, not_wasm, 8, &w, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_embed_wasm(s, empty_module, 4, &w, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_embed_wasm(s, empty_module, 8, NULL, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_embed_wasm(NULL, empty_module, 8, &w, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_close(s), RVF_OK);

    /* a read-only open sees it, verifies it, and cannot add another */
    CHECK_EQ_INT(rvf_open_readonly(path, &s), RVF_OK);
    uint64_t plen = 0, off = wasm_seg(s, &plen);
    CHECK_EQ_U64(plen, 64 + sizeof empty_module);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_embed_wasm(s, empty_module, 8, &w, NULL), RVF_ERR_READ_ONLY);
    CHECK_EQ_INT(rvf_close(s), RVF_OK);

    size_t n = 0;
    uint8_t *b = read_all(path, &n);
    CHECK(b && off + 64 + plen <= n);
    if (!b || off + 64 + plen > n)
        return;
    const uint8_t *h = b + off + 64; /* the WasmHeader (FORMAT.md "WASM_SEG") */
    CHECK_EQ_INT(rvfk_ld_u32(h), 0x5256574D);
    CHECK_EQ_INT(rvfk_ld_u16(h + 4), 1);
    CHECK_EQ_INT(h[6], 0);
    CHECK_EQ_INT(h[7], 4);
    CHECK_EQ_INT(rvfk_ld_u16(h + 8), 3);
    CHECK_EQ_INT(rvfk_ld_u16(h + 10), 14);
    CHECK_EQ_INT(rvfk_ld_u32(h + 12), 8);
    CHECK_EQ_INT(rvfk_ld_u32(h + 16), 0);
    CHECK_EQ_INT(h[0x14], 0);
    CHECK_EQ_INT(h[0x15], 2);
    CHECK_EQ_INT(h[0x38], 7);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[0x18 + i]);
    CHECK(strcmp(hex, empty_hash) == 0);
    CHECK_MEM(h + 64, empty_module, sizeof empty_module);
    static const uint8_t zero[6] = {0};
    CHECK_MEM(h + 0x3A, zero, 6);
    uint8_t seg_copy[64 + 64 + 8];
    memcpy(seg_copy, b + off, sizeof seg_copy);
    free(b);

    /* a later commit and a compaction keep it, byte for byte */
    CHECK_EQ_INT(rvf_open(path, &s), RVF_OK);
    uint64_t del = 10;
    CHECK_EQ_INT(rvf_delete(s, &del, 1, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_compact(s), RVF_OK);
    off = wasm_seg(s, &plen);
    CHECK_EQ_INT(rvf_verify(s, NULL), RVF_OK);
    CHECK_EQ_INT(rvf_close(s), RVF_OK);
    b = read_all(path, &n);
    CHECK(b && off + sizeof seg_copy <= n);
    if (b && off + sizeof seg_copy <= n)
        CHECK_MEM(b + off + 64, seg_copy + 64, sizeof seg_copy - 64);
    free(b);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/embed.rvf", dir);
    RVF_TEST_RUN(test_embed);
    unlink(path);
    return rvf_test_finish();
}
