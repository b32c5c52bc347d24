/* rvfk_graph.c: the tile's HNSW greedy step over a hub-registered neighbour list (§11.3). */
#include "rvf_deps.h"
#include "rvf_kernel.h"

int64_t rvfk_greedy_step(const uint8_t *list, size_t list_len, uint64_t current)
{
    if (list_len < 4)
        return -1;
    uint32_t count = rvfk_ld_u32(list);
    size_t avail = (list_len - 4) / 12;
    if (count > avail)
        count = (uint32_t)avail;
    int64_t best = -1;
    float best_dist = RVF_FLT_MAX;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = list + 4 + (size_t)i * 12;
        uint64_t id = rvfk_ld_u64(e);
        float d = rvfk_ld_f32(e + 8);
        if (id != current && d < best_dist) {
            best_dist = d;
            best = (int64_t)id;
        }
    }
    return best;
}
