/* test_format_doc.c: FORMAT.md's segment-header byte table must agree with the code, so the
 * document cannot drift (STYLE.md habit 7). Usage: test_format_doc path/to/FORMAT.md
 * For each row "| 0xOO | size | type | field | ..." of the "Segment header" table it sets that
 * field to a marker value through rvfk_seg_header_encode and checks the marker lands at exactly
 * [offset, offset + size). It also checks the table covers all 64 bytes without gaps. */
#include "rvf_kernel.h"
#include "rvf_test.h"

static char doc[1 << 17];
static const char *doc_path;

static void set_field(rvfk_seg_header *h, const char *name, int *known)
{
    *known = 1;
    if (!strcmp(name, "magic"))
        h->magic = 0xFFFFFFFFu;
    else if (!strcmp(name, "version"))
        h->version = 0xFF;
    else if (!strcmp(name, "seg_type"))
        h->seg_type = 0xFF;
    else if (!strcmp(name, "flags"))
        h->flags = 0xFFFF;
    else if (!strcmp(name, "segment_id"))
        h->segment_id = ~0ull;
    else if (!strcmp(name, "payload_length"))
        h->payload_length = ~0ull;
    else if (!strcmp(name, "timestamp_ns"))
        h->timestamp_ns = ~0ull;
    else if (!strcmp(name, "checksum_algo"))
        h->checksum_algo = 0xFF;
    else if (!strcmp(name, "compression"))
        h->compression = 0xFF;
    else if (!strcmp(name, "reserved_0"))
        h->reserved_0 = 0xFFFF;
    else if (!strcmp(name, "reserved_1"))
        h->reserved_1 = 0xFFFFFFFFu;
    else if (!strcmp(name, "content_hash"))
        memset(h->content_hash, 0xFF, 16);
    else if (!strcmp(name, "uncompressed_len"))
        h->uncompressed_len = 0xFFFFFFFFu;
    else if (!strcmp(name, "alignment_pad"))
        h->alignment_pad = 0xFFFFFFFFu;
    else
        *known = 0;
}

static void test_segment_header_table(void)
{
    FILE *f = fopen(doc_path, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = 0;
    char *p = strstr(doc, "### Segment header (64 bytes)");
    CHECK(p != NULL);
    if (!p)
        return;
    int covered[64] = {0}, rows = 0;
    char *line = strchr(p, '\n');
    while (line && (line = strstr(line, "\n| 0x")) != NULL) {
        line++;
        unsigned off, size;
        char type[32], name[64];
        if (sscanf(line, "| 0x%x | %u | %31s | %63s |", &off, &size, type, name) != 4)
            break;
        rows++;
        rvfk_seg_header h;
        memset(&h, 0, sizeof h);
        int known;
        set_field(&h, name, &known);
        CHECK(known);
        if (!known) {
            fprintf(stderr, "    FORMAT.md names an unknown header field '%s'\n", name);
            continue;
        }
        uint8_t b[64];
        rvfk_seg_header_encode(&h, b);
        for (unsigned i = 0; i < 64; i++) {
            int inside = i >= off && i < off + size;
            if ((b[i] == 0xFF) != inside) {
                RVF_FAIL_AT("field %s: FORMAT.md says offset 0x%02x size %u, byte 0x%02x disagrees",
                            name, off, size, i);
                break;
            }
            if (inside)
                covered[i]++;
        }
        if (strchr(line + 1, '\n') && strncmp(strchr(line, '\n') + 1, "| 0x", 4) != 0)
            break; /* end of the table */
    }
    CHECK_EQ_INT(rows, 14);
    for (int i = 0; i < 64; i++)
        CHECK_EQ_INT(covered[i], 1);
}

int main(int argc, char **argv)
{
    doc_path = argc > 1 ? argv[1] : "FORMAT.md";
    RVF_TEST_RUN(test_segment_header_table);
    return rvf_test_finish();
}
