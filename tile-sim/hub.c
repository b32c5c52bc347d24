/* hub.c: the native hub of the Cognitum tile simulator (RVF-BRIEF §11.5, §11.6, §15.5), the C
 * twin of tile-sim/hub.mjs: the same frames (tile-sim/README.md), the same firmware, the same
 * push and pull modes, the same faults and checks.
 *
 * Native code cannot be sandboxed inside one process, so each tile is a process: fork() gives it
 * the microkernel (kernel/tile/rvf_tile.c built natively, rvf_tile_native) bound to its own 64 KB
 * exchange window (rvf_tile_bind_memory: every address an export touches is checked against it,
 * and an access outside it calls the trap handler), and the hub talks to it over a socket. A
 * trap really kills the tile (SIGILL from an unreachable, exit 70 from the trap handler on an
 * out-of-bounds access), a timeout is a tile that misses its deadline (the hub kills it), a
 * corrupted message fails its CRC32C. The hub reaps the tile, forks a fresh one and gives the
 * unit of work to the next tile.
 *
 *   rvf_tile_hub [--tiles 8] [--blocks 1024] [--block 32] [--dim 64] [--queries 16] [--k 10]
 *                [--faults 16] [--pull-vectors 2048] [--verbose]
 *
 * Checks (exit 1 if any fails): push answers bit-identical to an fp16 brute force and within
 * fp16 tolerance of the native runtime's exact rvf_query over the f32 vectors; i8 (SQ) blocks
 * within SQ tolerance; pull answers equal to the same search run directly, recall@k >= 0.8, and
 * equal with and without faults; every injected fault detected with its code and recovered. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rvf.h"
#include "rvf_kernel.h"
#include "rvf_tile_abi.h"

/* ---- protocol (tile-sim/protocol.mjs) ------------------------------------------------------ */
enum {
    MSG_LOAD_QUERY = 0x01,
    MSG_LOAD_BLOCK = 0x02,
    MSG_LOAD_NEIGHBORS = 0x03,
    MSG_LOAD_PARAMS = 0x04,
    MSG_COMPUTE = 0x05,
    MSG_READ_TOPK = 0x06,
    MSG_RESET = 0x07,
    MSG_TOPK_RESULT = 0x81,
    MSG_NEED_BLOCK = 0x82,
    MSG_NEED_NEIGHBORS = 0x83,
    MSG_DONE = 0x84,
    MSG_ERROR = 0x85
};
/* ERROR codes on the wire: the negated statuses of kernel/include/rvf_status.def (0x0400..) */
enum {
    ERR_TRAP = -RVF_ERR_TILE_TRAP,
    ERR_OOM = -RVF_ERR_TILE_OOM,
    ERR_TIMEOUT = -RVF_ERR_TILE_TIMEOUT,
    ERR_INVALID = -RVF_ERR_TILE_INVALID_MSG,
    ERR_UNSUP = -RVF_ERR_TILE_UNSUPPORTED_OP
};
#define FRAME_MAX   2048u
#define PAYLOAD_MAX (FRAME_MAX - 12u)
#define NONE        UINT64_MAX

static size_t frame_encode(uint8_t *f, uint16_t type, uint32_t id, const uint8_t *p, size_t n)
{
    rvfk_st_u16(f, type);
    rvfk_st_u16(f + 2, (uint16_t)n);
    rvfk_st_u32(f + 4, id);
    if (n)
        memcpy(f + 8, p, n);
    rvfk_st_u32(f + 8 + n, rvfk_crc32c_update(0, f, 8 + n));
    return 12 + n;
}

/* ---- the tile: firmware over the natively built microkernel -------------------------------- */
#define WINDOW 0x10000u
enum {
    W_IN = 0x0000,
    W_OUT = 0x0800,
    W_CFG = 0x1000,
    W_QUERY = 0x1040,
    W_TOPK = 0x1340,
    W_NLIST = 0x1400,
    W_DIST = 0x2400,
    W_IDS = 0x3400,
    W_BLOCK = 0x5800,
    W_SEEN = 0xD800,
    W_EXPANDED = 0xF800
};
#define BLOCK_CAP    32768u
#define IDS_CAP      1024u
#define NLIST_CAP    340u
#define SEEN_CAP     65536u
#define EXPANDED_CAP 16384u
#define CFG_K        0x18
#define CFG_METRIC   0x19

enum { F_TRAP, F_OOB, F_TIMEOUT, F_CORRUPT_IN, F_CORRUPT_OUT, F_KINDS };
static const char *const fault_name[F_KINDS] = {"trap", "oob", "timeout", "corrupt-in",
                                                "corrupt-out"};
static const int fault_code[F_KINDS] = {ERR_TRAP, ERR_TRAP, ERR_TIMEOUT, ERR_INVALID, ERR_INVALID};
typedef struct fault {
    int tile, kind;
    uint32_t at, bit;
} fault;

static uint8_t win[WINDOW] __attribute__((aligned(16))); /* the child's window */
static struct {
    uint32_t dim, fill, block_count, dtype, sq_fill;
    bool has_list, beam;
    uint64_t list_node, cur;
    uint32_t list_layer, list_count, layer;
    float cur_dist;
} fw;

static void fw_reset(void)
{
    memset(&fw, 0, sizeof fw);
    fw.dtype = UINT32_MAX;
    fw.cur = UINT64_MAX;
    fw.cur_dist = INFINITY;
}

/* The trap handler: the microkernel calls it for an access outside the window (where the
 * module would trap); the tile dies with the exit code the hub reads as an out-of-bounds trap. */
static void tile_trapped(const char *what)
{
    (void)what;
    _exit(70);
}

static size_t reply(uint16_t type, uint32_t id, const uint8_t *p, size_t n)
{
    return frame_encode(win + W_OUT, type, id, p, n);
}
static size_t reply_error(uint32_t id, int code)
{
    uint8_t p[4] = {(uint8_t)code, (uint8_t)(code >> 8), 0, 0};
    return reply(MSG_ERROR, id, p, 4);
}
static bool bit_op(uint32_t region, uint32_t cap, uint64_t node, bool set)
{
    if (node >= cap)
        _exit(71); /* the bitset is the tile's memory: a node past it is an OOM fault */
    uint8_t *b = win + region + node / 8, m = (uint8_t)(1u << (node % 8));
    bool was = (*b & m) != 0;
    if (set)
        *b |= m;
    return was;
}
static size_t need(uint32_t id, uint64_t node, uint32_t layer)
{
    uint8_t p[12];
    rvfk_st_u64(p, node);
    rvfk_st_u32(p + 8, layer);
    fw.layer = layer;
    return reply(MSG_NEED_NEIGHBORS, id, p, 12);
}
static int32_t tile_read_topk(void)
{
    int32_t n = rvf_topk_read(W_TOPK);
    if (n < 0 || n > 16)
        _exit(72);
    return n;
}

static size_t pull_step(uint32_t id)
{
    if (fw.list_layer == 0 && fw.list_node != NONE)
        bit_op(W_EXPANDED, EXPANDED_CAP, fw.list_node, true);
    if (!fw.beam) {
        int64_t next = rvf_greedy_step((int64_t)fw.cur, (int32_t)fw.list_layer);
        float nd = INFINITY;
        if (next != -1) {
            uint32_t i = 0;
            while (i < fw.list_count && rvfk_ld_u64(win + W_NLIST + 4 + 12 * i) != (uint64_t)next)
                i++;
            if (i == fw.list_count)
                _exit(72); /* an id the list does not hold */
            nd = rvfk_ld_f32(win + W_NLIST + 12 + 12 * i);
        }
        if (next != -1 && nd < fw.cur_dist) {
            fw.cur = (uint64_t)next;
            fw.cur_dist = nd;
            return need(id, fw.cur, fw.layer);
        }
        if (fw.layer > 0) {
            fw.layer--;
            if (fw.layer == 0 && !bit_op(W_SEEN, SEEN_CAP, fw.cur, true)) {
                rvfk_st_f32(win + W_DIST, fw.cur_dist);
                rvfk_st_u64(win + W_IDS, fw.cur);
                rvf_topk_merge(W_DIST, W_IDS, 1, win[W_CFG + CFG_K]);
            }
            return need(id, fw.cur, fw.layer);
        }
        fw.beam = true;
    }
    int32_t n = tile_read_topk();
    for (int32_t i = 0; i < n; i++) {
        uint64_t cand = rvfk_ld_u64(win + W_TOPK + 12 * (uint32_t)i);
        if (!bit_op(W_EXPANDED, EXPANDED_CAP, cand, false))
            return need(id, cand, 0);
    }
    fw.has_list = false;
    return reply(MSG_DONE, id, NULL, 0);
}

static size_t pull_score(uint32_t id)
{
    uint32_t n = fw.list_count, m = 0;
    if (fw.block_count != n)
        return reply_error(id, ERR_INVALID);
    if (rvf_distances(win[W_CFG + CFG_METRIC], W_DIST) != (int32_t)n)
        return reply_error(id, ERR_UNSUP);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t lid = rvfk_ld_u64(win + W_NLIST + 4 + 12 * i);
        float d = rvfk_ld_f32(win + W_DIST + 4 * i);
        if (rvfk_ld_u64(win + W_IDS + 8 * i) != lid)
            return reply_error(id, ERR_INVALID);
        rvfk_st_f32(win + W_NLIST + 12 + 12 * i, d);
        if (fw.list_layer == 0 && !bit_op(W_SEEN, SEEN_CAP, lid, true)) {
            rvfk_st_f32(win + W_DIST + 4 * m, d);
            rvfk_st_u64(win + W_IDS + 8 * m, lid);
            m++;
        }
    }
    if (m && rvf_topk_merge(W_DIST, W_IDS, (int32_t)m, win[W_CFG + CFG_K]) != 0)
        return reply_error(id, ERR_UNSUP);
    return pull_step(id);
}

/* One message in win[W_IN .. len): the answer's length at W_OUT, or 0. */
static size_t dispatch(size_t len)
{
    const uint8_t *f = win + W_IN, *p = f + 8;
    if (len < 12)
        return reply_error(0, ERR_INVALID);
    uint16_t type = rvfk_ld_u16(f), plen = rvfk_ld_u16(f + 2);
    uint32_t id = rvfk_ld_u32(f + 4);
    if (plen > PAYLOAD_MAX || 12u + plen != len)
        return reply_error(id, ERR_INVALID);
    if ((uint32_t)rvf_crc32c(W_IN, 8 + plen) != rvfk_ld_u32(f + 8 + plen))
        return reply_error(id, ERR_INVALID);
    switch (type) {
    case MSG_RESET:
        if (plen != 64)
            return reply_error(id, ERR_INVALID);
        memcpy(win + W_CFG, p, 64);
        if (rvf_init(W_CFG) != 0)
            return reply_error(id, ERR_TRAP);
        memset(win + W_SEEN, 0, SEEN_CAP / 8 + EXPANDED_CAP / 8);
        fw_reset();
        return 0;
    case MSG_LOAD_QUERY: {
        uint32_t dim = rvfk_ld_u16(p);
        if (plen != 4 + 2 * dim)
            return reply_error(id, ERR_INVALID);
        if (dim > 384) /* the 768-byte query area */
            return reply_error(id, ERR_UNSUP);
        memcpy(win + W_QUERY, p + 4, 2 * dim);
        if (rvf_load_query(W_QUERY, (int32_t)dim) != 0)
            return reply_error(id, ERR_UNSUP);
        fw.dim = dim;
        return 0;
    }
    case MSG_LOAD_PARAMS: { /* SQ in chunks, in order: m = first dimension, dim = all */
        uint32_t first = rvfk_ld_u16(p + 2), dim = rvfk_ld_u16(p + 6), pairs = (plen - 8u) / 8;
        if (p[0] != 0)
            return reply_error(id, ERR_UNSUP);
        if (plen < 8 || (plen - 8u) % 8 || first != fw.sq_fill || first + pairs > dim)
            return reply_error(id, ERR_INVALID);
        if (8 * dim > 4096) /* the params staging area */
            return reply_error(id, ERR_OOM);
        memcpy(win + W_DIST + 8 * first, p + 8, 8 * pairs);
        fw.sq_fill = first + pairs == dim ? 0 : first + pairs;
        if (first + pairs < dim)
            return 0;
        if (rvf_load_sq_params(W_DIST, (int32_t)dim) != 0)
            return reply_error(id, ERR_UNSUP);
        return 0;
    }
    case MSG_LOAD_BLOCK: {
        uint32_t count = rvfk_ld_u16(p), dtype = p[2], elem = dtype == 0 ? 2 : dtype == 1 ? 1 : 4;
        if (dtype > 2 || !fw.dim)
            return reply_error(id, ERR_UNSUP);
        uint32_t row = fw.dim * elem;
        if (plen != 4 + count * (8 + row) || (fw.fill && dtype != fw.dtype))
            return reply_error(id, ERR_INVALID);
        if ((fw.fill + count) * row > BLOCK_CAP || fw.fill + count > IDS_CAP)
            return reply_error(id, ERR_OOM);
        memcpy(win + W_IDS + 8 * fw.fill, p + 4, 8 * count);
        memcpy(win + W_BLOCK + row * fw.fill, p + 4 + 8 * count, row * count);
        fw.fill += count;
        fw.dtype = dtype;
        if (!(p[3] & 1))
            return 0;
        uint32_t n = fw.fill;
        fw.fill = 0;
        if (rvf_load_block(W_BLOCK, (int32_t)n, (int32_t)dtype) != 0)
            return reply_error(id, ERR_UNSUP);
        fw.block_count = n;
        return fw.has_list ? pull_score(id) : 0;
    }
    case MSG_COMPUTE: {
        if (plen != 4)
            return reply_error(id, ERR_INVALID);
        int32_t n = rvf_distances(p[0], W_DIST);
        if (n != (int32_t)fw.block_count)
            return reply_error(id, ERR_UNSUP);
        if (rvf_topk_merge(W_DIST, W_IDS, n, p[1]) != 0)
            return reply_error(id, ERR_UNSUP);
        return 0;
    }
    case MSG_READ_TOPK: {
        int32_t n = tile_read_topk();
        uint8_t out[4 + 16 * 12];
        rvfk_st_u32(out, (uint32_t)n);
        memcpy(out + 4, win + W_TOPK, 12 * (size_t)n);
        return reply(MSG_TOPK_RESULT, id, out, 4 + 12 * (size_t)n);
    }
    case MSG_LOAD_NEIGHBORS: {
        uint64_t node = rvfk_ld_u64(p);
        uint32_t layer = rvfk_ld_u32(p + 8), count = rvfk_ld_u32(p + 12);
        if (count > NLIST_CAP)
            return reply_error(id, ERR_OOM);
        if (plen != 16 + 12 * count)
            return reply_error(id, ERR_INVALID);
        memcpy(win + W_NLIST, p + 12, 4 + 12 * count);
        rvf_load_neighbors((int64_t)node, (int32_t)layer, W_NLIST);
        fw.has_list = true;
        fw.list_node = node;
        fw.list_layer = fw.layer = layer;
        fw.list_count = count;
        bool unknown = false;
        for (uint32_t i = 0; i < count; i++)
            unknown |= isnan(rvfk_ld_f32(win + W_NLIST + 12 + 12 * i));
        if (!unknown || !count)
            return pull_step(id);
        uint8_t q[8];
        rvfk_st_u64(q, node);
        return reply(MSG_NEED_BLOCK, id, q, 8);
    }
    default:
        return reply_error(id, ERR_UNSUP);
    }
}

static bool read_full(int fd, void *buf, size_t n)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fd, (uint8_t *)buf + got, n - got);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            return false;
        }
        got += (size_t)r;
    }
    return true;
}
static bool write_full(int fd, const void *buf, size_t n)
{
    for (size_t put = 0; put < n;) {
        ssize_t r = write(fd, (const uint8_t *)buf + put, n - put);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        put += (size_t)r;
    }
    return true;
}

/* The tile process: transport = u16 byte count, then that many frame bytes (the DMA into the
 * I/O buffer: a corrupted frame cannot desynchronise the link). */
static void tile_main(int fd, const fault *plan, size_t nplan, int tile, uint32_t sent)
{
    rvf_tile_reset();
    rvf_tile_bind_memory(win, WINDOW);
    rvf_tile_set_trap_handler(tile_trapped);
    fw_reset();
    const fault *pending_out = NULL;
    for (;;) {
        uint8_t hdr[2];
        if (!read_full(fd, hdr, 2))
            _exit(0);
        size_t n = rvfk_ld_u16(hdr);
        if (n > FRAME_MAX || !read_full(fd, win + W_IN, n))
            _exit(0);
        sent++;
        for (size_t i = 0; i < nplan; i++) {
            if (plan[i].tile != tile || plan[i].at != sent)
                continue;
            if (plan[i].kind == F_TRAP)
                __builtin_trap(); /* an unreachable: the tile dies (SIGILL) */
            if (plan[i].kind == F_OOB)
                rvf_crc32c((int32_t)WINDOW - 16, 64); /* reads past the window: trap handler */
            if (plan[i].kind == F_TIMEOUT)
                for (volatile uint64_t spin = 0;; spin++)
                    (void)rvf_greedy_step(0, 0); /* never answers */
            if (plan[i].kind == F_CORRUPT_OUT)
                pending_out = &plan[i];
        }
        size_t out = dispatch(n);
        if (!out)
            continue;
        if (pending_out) {
            win[W_OUT + pending_out->bit % out] ^= (uint8_t)(1u << (pending_out->bit & 7));
            pending_out = NULL;
        }
        uint8_t len[2];
        rvfk_st_u16(len, (uint16_t)out);
        if (!write_full(fd, len, 2) || !write_full(fd, win + W_OUT, out))
            _exit(0);
    }
}

/* ---- the hub -----------------------------------------------------------------------------------
 */
#define MAX_TILES 64
typedef struct tile_slot {
    pid_t pid;
    int fd;
    uint32_t sent; /* messages sent to this slot, across restarts */
    int restarts;
} tile_slot;

typedef struct hub {
    tile_slot tiles[MAX_TILES];
    int ntiles;
    const fault *plan;
    size_t nplan;
    uint32_t msg_id;
    unsigned cursor;
    int deadline_ms;
    bool verbose;
    const fault *injected; /* the planned fault of the unit in progress */
    uint64_t messages, bytes, blocks, need_neighbors, need_block, units, reassigned;
    double stalled_ms; /* time spent waiting out deadlines (timeouts) */
    int nfaults, fault_ok;
} hub;

typedef struct hub_fault {
    int code;
    const char *kind;
} hub_fault;

static void tile_start(hub *h, int t)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        perror("socketpair");
        exit(1);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        close(sv[0]);
        for (int i = 0; i < h->ntiles; i++)
            if (i != t && h->tiles[i].pid > 0)
                close(h->tiles[i].fd);
        tile_main(sv[1], h->plan, h->nplan, t, h->tiles[t].sent);
        _exit(0);
    }
    close(sv[1]);
    fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    h->tiles[t].pid = pid;
    h->tiles[t].fd = sv[0];
}

/* Kill (if needed) and reap tile t; classify how it ended. */
static hub_fault tile_end(hub *h, int t, bool kill_it)
{
    tile_slot *s = &h->tiles[t];
    if (kill_it)
        kill(s->pid, SIGKILL);
    int status = 0;
    while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
        ;
    close(s->fd);
    s->pid = -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 70)
        return (hub_fault){ERR_TRAP, "oob"};
    if (WIFEXITED(status) && WEXITSTATUS(status) == 71)
        return (hub_fault){ERR_OOM, "oom"};
    return (hub_fault){ERR_TRAP, "trap"};
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Wait for fd to be ready for ev; 0 ready, 1 timed out, -1 hung up. */
static int wait_fd(int fd, short ev, double deadline)
{
    for (;;) {
        int left = (int)(deadline - now_ms());
        if (left <= 0)
            return 1;
        struct pollfd p = {fd, ev, 0};
        int r = poll(&p, 1, left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            return 1;
        if (p.revents & ev)
            return 0;
        return -1;
    }
}

/* I/O with a deadline; on failure *err describes the fault (the tile is reaped). */
static bool io_all(hub *h, int t, void *buf, size_t n, bool wr, hub_fault *err)
{
    int fd = h->tiles[t].fd;
    double deadline = now_ms() + h->deadline_ms;
    for (size_t done = 0; done < n;) {
        ssize_t r = wr ? write(fd, (uint8_t *)buf + done, n - done)
                       : read(fd, (uint8_t *)buf + done, n - done);
        if (r > 0) {
            done += (size_t)r;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int w = wait_fd(fd, wr ? POLLOUT : POLLIN, deadline);
            if (w == 0)
                continue;
            if (w == 1) {
                h->stalled_ms += h->deadline_ms;
                tile_end(h, t, true);
                *err = (hub_fault){ERR_TIMEOUT, "timeout"};
                return false;
            }
        }
        *err = tile_end(h, t, false); /* EOF, EPIPE or hang-up: the tile died */
        return false;
    }
    return true;
}

typedef struct answer {
    uint16_t type;
    uint16_t len;
    uint8_t payload[FRAME_MAX];
} answer;

/* Send one message to tile t; when expect is non-zero, wait for its answer (of one of the
 * types in the expect bit set over type & 0x0F). Returns false with *err on a fault. */
static bool hub_send(hub *h, int t, uint16_t type, const uint8_t *p, size_t n, unsigned expect,
                     answer *a, hub_fault *err)
{
    uint8_t buf[2 + FRAME_MAX];
    if (n > PAYLOAD_MAX) {
        fprintf(stderr, "rvf_tile_hub: a payload of %zu bytes does not fit a frame\n", n);
        exit(1);
    }
    uint32_t id = ++h->msg_id;
    size_t len = frame_encode(buf + 2, type, id, p, n);
    rvfk_st_u16(buf, (uint16_t)len);
    uint32_t at = ++h->tiles[t].sent;
    for (size_t i = 0; i < h->nplan; i++)
        if (h->plan[i].tile == t && h->plan[i].at == at) {
            h->injected = &h->plan[i];
            if (h->plan[i].kind == F_CORRUPT_IN)
                buf[2 + h->plan[i].bit % len] ^= (uint8_t)(1u << (h->plan[i].bit & 7));
        }
    h->messages++;
    h->bytes += len;
    if (!io_all(h, t, buf, 2 + len, true, err))
        return false;
    if (!expect)
        return true;
    uint8_t hl[2];
    if (!io_all(h, t, hl, 2, false, err))
        return false;
    size_t m = rvfk_ld_u16(hl);
    uint8_t f[FRAME_MAX];
    if (m > FRAME_MAX || m < 12) {
        tile_end(h, t, true);
        *err = (hub_fault){ERR_INVALID, "invalid-msg"};
        return false;
    }
    if (!io_all(h, t, f, m, false, err))
        return false;
    uint16_t at_type = rvfk_ld_u16(f), plen = rvfk_ld_u16(f + 2);
    bool ok = 12u + plen == m && rvfk_ld_u32(f + 8 + plen) == rvfk_crc32c_update(0, f, 8 + plen);
    if (ok && at_type == MSG_ERROR && plen == 4) {
        *err = (hub_fault){rvfk_ld_u16(f + 8), "tile-error"};
        tile_end(h, t, true);
        return false;
    }
    if (!ok || rvfk_ld_u32(f + 4) != id || !(at_type & 0x80) ||
        !(expect & (1u << (at_type & 15)))) {
        tile_end(h, t, true);
        *err = (hub_fault){ERR_INVALID, "invalid-msg"};
        return false;
    }
    a->type = at_type;
    a->len = plen;
    memcpy(a->payload, f + 8, plen);
    return true;
}
#define EXPECT(type) (1u << ((type)&15))

typedef struct hit {
    uint64_t id;
    float dist;
} hit;

static int hit_cmp(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    if (x->dist != y->dist)
        return x->dist < y->dist ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* ---- work units ---------------------------------------------------------------------------- */
typedef struct dataset {
    uint32_t n, dim;
    float *f32;    /* n x dim */
    uint16_t *f16; /* n x dim, round to nearest */
    float *f16f;   /* the fp16 values as f32 */
} dataset;

typedef struct graph {
    uint32_t n, entry, top;
    uint8_t *level;
    uint32_t *links[8]; /* per layer: n x cap ids */
    uint32_t *nlinks[8];
    uint32_t cap;
} graph;

typedef struct unit {
    int pull;
    const uint16_t *q; /* fp16 query */
    uint32_t dim, k, ef;
    const dataset *ds;
    uint32_t first, count; /* vectors (push) */
    uint32_t block;        /* vectors per block */
    const int8_t *codes;   /* i8 blocks (push, SQ) or NULL */
    const float *minmax;   /* SQ params */
    const graph *g;        /* pull */
    hit out[16];
    uint32_t nout;
} unit;

static bool send_reset(hub *h, int t, uint32_t dim, uint32_t k, uint32_t metric, hub_fault *e)
{
    uint8_t cfg[64] = {0};
    rvfk_st_u32(cfg + 4, dim);
    cfg[CFG_K] = (uint8_t)k;
    cfg[CFG_METRIC] = (uint8_t)metric;
    return hub_send(h, t, MSG_RESET, cfg, 64, 0, NULL, e);
}
static bool send_query(hub *h, int t, const uint16_t *q, uint32_t dim, hub_fault *e)
{
    uint8_t p[4 + 2 * 384];
    rvfk_st_u16(p, (uint16_t)dim);
    rvfk_st_u16(p + 2, 0);
    for (uint32_t d = 0; d < dim; d++)
        rvfk_st_u16(p + 4 + 2 * d, q[d]);
    return hub_send(h, t, MSG_LOAD_QUERY, p, 4 + 2 * dim, 0, NULL, e);
}
/* Stream vectors ids[0..n) (rows: row(i) gives its bytes) as LOAD_BLOCK chunks. */
static bool send_block(hub *h, int t, const uint32_t *ids, uint32_t n, const uint8_t *base,
                       uint32_t row, uint8_t dtype, unsigned expect_last, answer *a, hub_fault *e)
{
    uint32_t per = (PAYLOAD_MAX - 4) / (8 + row);
    uint8_t p[PAYLOAD_MAX];
    for (uint32_t s = 0;; s += per) {
        uint32_t m = n - s < per ? n - s : per;
        bool last = s + m == n;
        rvfk_st_u16(p, (uint16_t)m);
        p[2] = dtype;
        p[3] = last ? 1 : 0;
        for (uint32_t i = 0; i < m; i++) {
            rvfk_st_u64(p + 4 + 8 * i, ids[s + i]);
            memcpy(p + 4 + 8 * m + row * i, base + (size_t)ids[s + i] * row, row);
        }
        if (!hub_send(h, t, MSG_LOAD_BLOCK, p, 4 + m * (8 + row), last ? expect_last : 0, a, e))
            return false;
        if (last)
            break;
    }
    h->blocks++;
    return true;
}
static bool hub_read_topk(hub *h, int t, unit *u, uint32_t k, uint32_t id_lo, uint32_t id_hi,
                          hub_fault *e)
{
    answer a;
    if (!hub_send(h, t, MSG_READ_TOPK, NULL, 0, EXPECT(MSG_TOPK_RESULT), &a, e))
        return false;
    uint32_t n = a.len >= 4 ? rvfk_ld_u32(a.payload) : UINT32_MAX;
    bool ok = n <= k && a.len == 4 + 12 * n;
    for (uint32_t i = 0; ok && i < n; i++) {
        hit x = {rvfk_ld_u64(a.payload + 4 + 12 * i), rvfk_ld_f32(a.payload + 12 + 12 * i)};
        ok = x.id >= id_lo && x.id <= id_hi && (i == 0 || hit_cmp(&u->out[i - 1], &x) < 0);
        u->out[i] = x;
    }
    if (!ok) {
        tile_end(h, t, true);
        *e = (hub_fault){ERR_INVALID, "bad-result"};
        return false;
    }
    u->nout = n;
    return true;
}

static bool run_push(hub *h, int t, unit *u, hub_fault *e)
{
    const dataset *ds = u->ds;
    if (!send_reset(h, t, u->dim, u->k, RVF_TILE_METRIC_L2, e) ||
        !send_query(h, t, u->q, u->dim, e))
        return false;
    for (uint32_t first = 0; u->codes && first < u->dim;) { /* SQ params, in frame-sized chunks */
        uint8_t p[PAYLOAD_MAX] = {0};
        uint32_t n =
            u->dim - first < (PAYLOAD_MAX - 8) / 8 ? u->dim - first : (PAYLOAD_MAX - 8) / 8;
        rvfk_st_u16(p + 2, (uint16_t)first);
        rvfk_st_u16(p + 6, (uint16_t)u->dim);
        for (uint32_t i = 0; i < 2 * n; i++)
            rvfk_st_f32(p + 8 + 4 * i, u->minmax[2 * first + i]);
        if (!hub_send(h, t, MSG_LOAD_PARAMS, p, 8 + 8 * n, 0, NULL, e))
            return false;
        first += n;
    }
    uint32_t ids[IDS_CAP];
    uint8_t compute[4] = {RVF_TILE_METRIC_L2, (uint8_t)u->k, 0, 0};
    for (uint32_t s = u->first; s < u->first + u->count; s += u->block) {
        uint32_t n = u->first + u->count - s < u->block ? u->first + u->count - s : u->block;
        for (uint32_t i = 0; i < n; i++)
            ids[i] = s + i;
        bool ok = u->codes ? send_block(h, t, ids, n, (const uint8_t *)u->codes, u->dim,
                                        RVF_TILE_DTYPE_I8, 0, NULL, e)
                           : send_block(h, t, ids, n, (const uint8_t *)ds->f16, 2 * u->dim,
                                        RVF_TILE_DTYPE_F16, 0, NULL, e);
        if (!ok || !hub_send(h, t, MSG_COMPUTE, compute, 4, 0, NULL, e))
            return false;
    }
    return hub_read_topk(h, t, u, u->k, u->first, u->first + u->count - 1, e);
}

static bool run_pull(hub *h, int t, unit *u, hub_fault *e)
{
    const graph *g = u->g;
    const unsigned want = EXPECT(MSG_NEED_BLOCK) | EXPECT(MSG_NEED_NEIGHBORS) | EXPECT(MSG_DONE);
    if (!send_reset(h, t, u->dim, u->ef, RVF_TILE_METRIC_L2, e) ||
        !send_query(h, t, u->q, u->dim, e))
        return false;
    uint64_t node = NONE;
    const uint32_t *list = &g->entry;
    uint32_t count = 1, layer = g->top;
    answer a;
    uint8_t p[16 + 12 * NLIST_CAP];
    for (int steps = 0;; steps++) {
        if (steps > 4096) {
            tile_end(h, t, true);
            *e = (hub_fault){ERR_TIMEOUT, "timeout"};
            return false;
        }
        rvfk_st_u64(p, node);
        rvfk_st_u32(p + 8, layer);
        rvfk_st_u32(p + 12, count);
        for (uint32_t i = 0; i < count; i++) {
            rvfk_st_u64(p + 16 + 12 * i, list[i]);
            rvfk_st_f32(p + 24 + 12 * i, NAN);
        }
        if (!hub_send(h, t, MSG_LOAD_NEIGHBORS, p, 16 + 12 * count, want, &a, e))
            return false;
        if (a.type == MSG_NEED_BLOCK) {
            h->need_block++;
            if (a.len != 8 || rvfk_ld_u64(a.payload) != node) {
                tile_end(h, t, true);
                *e = (hub_fault){ERR_INVALID, "invalid-msg"};
                return false;
            }
            if (!send_block(h, t, list, count, (const uint8_t *)u->ds->f16, 2 * u->dim,
                            RVF_TILE_DTYPE_F16, want, &a, e))
                return false;
        }
        if (a.type == MSG_DONE)
            break;
        if (a.type != MSG_NEED_NEIGHBORS || a.len != 12) {
            tile_end(h, t, true);
            *e = (hub_fault){ERR_INVALID, "invalid-msg"};
            return false;
        }
        h->need_neighbors++;
        node = rvfk_ld_u64(a.payload);
        layer = rvfk_ld_u32(a.payload + 8);
        if (node >= g->n || layer > g->level[node]) {
            tile_end(h, t, true);
            *e = (hub_fault){ERR_INVALID, "invalid-msg"};
            return false;
        }
        list = g->links[layer] + (size_t)node * g->cap;
        count = g->nlinks[layer][node];
    }
    if (!hub_read_topk(h, t, u, u->ef, 0, g->n - 1, e))
        return false;
    if (u->nout > u->k)
        u->nout = u->k;
    return true;
}

static void hub_close(hub *h);

/* Run every unit over the array; a faulted tile is restarted and its unit reassigned. */
static void run_all(hub *h, unit *units, size_t n)
{
    size_t *queue = malloc(n * 2 * sizeof *queue + 1);
    int *avoid = malloc(n * sizeof *avoid + 1), *attempts = calloc(n + 1, sizeof *attempts);
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < n; i++) {
        queue[tail++ % (2 * n)] = i;
        avoid[i] = -1;
    }
    while (head != tail) {
        size_t i = queue[head++ % (2 * n)];
        int t = (int)(h->cursor++ % (unsigned)h->ntiles);
        if (t == avoid[i])
            t = (int)(h->cursor++ % (unsigned)h->ntiles);
        h->injected = NULL;
        hub_fault e = {0, ""};
        bool ok = units[i].pull ? run_pull(h, t, &units[i], &e) : run_push(h, t, &units[i], &e);
        if (ok && h->injected) { /* a planned fault that went unnoticed */
            fprintf(stderr, "FAIL: injected %s on tile %d went undetected\n",
                    fault_name[h->injected->kind], t);
            h->nfaults++;
        }
        if (ok) {
            h->units++;
            continue;
        }
        h->nfaults++;
        bool expected = h->injected && fault_code[h->injected->kind] == e.code;
        h->fault_ok += expected;
        if (h->verbose || !expected)
            fprintf(
                stderr,
                "  fault on tile %d: %s (0x%04x), injected %s -> restarted, unit %zu reassigned\n",
                t, e.kind, e.code, h->injected ? fault_name[h->injected->kind] : "nothing", i);
        if (h->tiles[t].pid > 0)
            tile_end(h, t, true);
        h->tiles[t].restarts++;
        tile_start(h, t);
        h->reassigned++;
        if (++attempts[i] > 2 * h->ntiles) {
            fprintf(stderr, "rvf_tile_hub: unit %zu faulted on %d attempts (last: %s 0x%04x)\n", i,
                    attempts[i], e.kind, e.code);
            hub_close(h);
            exit(1);
        }
        avoid[i] = t;
        queue[tail++ % (2 * n)] = i;
    }
    free(queue);
    free(avoid);
    free(attempts);
}

static void hub_init(hub *h, int ntiles, const fault *plan, size_t nplan, bool verbose)
{
    memset(h, 0, sizeof *h);
    h->ntiles = ntiles;
    h->plan = plan;
    h->nplan = nplan;
    h->deadline_ms = 1000; /* a tile answers within 1 s or is declared timed out */
    h->verbose = verbose;
    for (int t = 0; t < ntiles; t++)
        h->tiles[t].pid = -1;
    for (int t = 0; t < ntiles; t++)
        tile_start(h, t);
}
static void hub_close(hub *h)
{
    for (int t = 0; t < h->ntiles; t++)
        if (h->tiles[t].pid > 0)
            tile_end(h, t, true);
}

/* ---- data, brute force, graph -------------------------------------------------------------- */
static uint32_t rng_state;
static float rnd(void) /* mulberry32 */
{
    uint32_t t = (rng_state += 0x6D2B79F5u);
    t = (t ^ (t >> 15)) * (t | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    return (float)((t ^ (t >> 14)) >> 8) / 16777216.0f;
}

static void dataset_f16(dataset *d)
{
    size_t m = (size_t)d->n * d->dim;
    d->f16 = malloc(m * 2 + 2);
    d->f16f = malloc(m * 4 + 4);
    for (size_t i = 0; i < m; i++) {
        d->f16[i] = rvfk_f32_to_f16(d->f32[i]);
        d->f16f[i] = rvfk_f16_to_f32(d->f16[i]);
    }
}
static dataset make_dataset(uint32_t n, uint32_t dim, uint32_t seed)
{
    dataset d = {n, dim, malloc((size_t)n * dim * 4 + 4), NULL, NULL};
    rng_state = seed;
    enum { CLUSTERS = 32 };
    float *c = malloc((size_t)CLUSTERS * dim * 4);
    for (size_t i = 0; i < (size_t)CLUSTERS * dim; i++)
        c[i] = rnd() * 2 - 1;
    for (uint32_t i = 0; i < n; i++) {
        const float *cc = c + (size_t)(uint32_t)(rnd() * CLUSTERS) * dim;
        for (uint32_t j = 0; j < dim; j++)
            d.f32[(size_t)i * dim + j] = cc[j] + (rnd() - 0.5f) * 1.6f;
    }
    free(c);
    dataset_f16(&d);
    return d;
}
static dataset make_queries(const dataset *ds, uint32_t nq, uint32_t among, uint32_t seed)
{
    dataset q = {nq, ds->dim, malloc((size_t)nq * ds->dim * 4 + 4), NULL, NULL};
    rng_state = seed;
    for (uint32_t i = 0; i < nq; i++) {
        uint32_t src = (uint32_t)(rnd() * (float)among) % among;
        for (uint32_t j = 0; j < ds->dim; j++)
            q.f32[(size_t)i * ds->dim + j] =
                ds->f32[(size_t)src * ds->dim + j] + (rnd() - 0.5f) * 0.2f;
    }
    dataset_f16(&q);
    return q;
}
static void dataset_free(dataset *d)
{
    free(d->f32);
    free(d->f16);
    free(d->f16f);
}

/* Squared L2 summed sequentially in f32 (the tile's arithmetic on fp16 values). */
static float l2_seq(const float *a, const float *b, uint32_t dim)
{
    float acc = 0.0f;
    for (uint32_t d = 0; d < dim; d++) {
        float x = a[d] - b[d];
        acc += x * x;
    }
    return acc;
}
static double f16_tolerance(const float *q, const float *v, uint32_t dim)
{
    double b = 0, s = 0;
    for (uint32_t d = 0; d < dim; d++) {
        double e = (fabs(q[d]) + fabs(v[d])) * 0x1p-11 + 0x1p-24, x = fabs((double)q[d] - v[d]);
        b += 2 * x * e + e * e;
        s += x * x;
    }
    return b + 2.0 * dim * 0x1p-24 * s;
}
static void brute(const float *rows, const float *q, uint32_t dim, uint32_t n, uint32_t k, hit *out)
{
    rvfk_hit *store = malloc(k * sizeof *store), *sorted = malloc(k * sizeof *sorted);
    rvfk_topk tk;
    rvfk_topk_init(&tk, store, k);
    for (uint32_t i = 0; i < n; i++)
        rvfk_topk_offer(&tk, k, i, l2_seq(q, rows + (size_t)i * dim, dim));
    uint32_t m = rvfk_topk_read(&tk, sorted, k);
    for (uint32_t i = 0; i < m; i++)
        out[i] = (hit){sorted[i].id, sorted[i].dist};
    free(store);
    free(sorted);
}

typedef struct cand {
    uint32_t j;
    float d;
} cand;
static int cand_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->d != y->d)
        return x->d < y->d ? -1 : 1;
    return x->j < y->j ? -1 : x->j > y->j;
}

/* The graph of hub.mjs's buildGraph: levels p = 1/m, 2m nearest at layer 0, m above, made
 * undirected, the nearest g.cap kept. */
static graph build_graph(const float *rows, uint32_t n, uint32_t dim, uint32_t m)
{
    /* at most 3m links, or fewer when a list's vectors would not fit the 32 KB block area */
    uint32_t fit = BLOCK_CAP / (2 * dim);
    graph g = {n, 0, 0, malloc(n + 1), {0}, {0}, 3 * m < fit ? 3 * m : fit};
    rng_state = 7;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t l = 0;
        while (rnd() < 1.0f / (float)m && l < 6)
            l++;
        g.level[i] = l;
        if (l > g.top) {
            g.top = l;
            g.entry = i;
        }
    }
    cand *c = malloc((size_t)n * sizeof *c);
    uint32_t *fwd = malloc((size_t)n * 2 * m * sizeof *fwd + 4), *nf = calloc(n, 4);
    uint32_t *rstart = malloc(((size_t)n + 1) * 4), *rev = malloc((size_t)n * 2 * m * 4 + 4);
    uint32_t *stamp = calloc(n, 4);
    for (uint32_t l = 0; l <= g.top; l++) {
        uint32_t cap = l ? m : 2 * m;
        g.links[l] = calloc((size_t)n * g.cap, sizeof(uint32_t));
        g.nlinks[l] = calloc(n, sizeof(uint32_t));
        for (uint32_t i = 0; i < n; i++) { /* the cap nearest of the same level */
            nf[i] = 0;
            if (g.level[i] < l)
                continue;
            uint32_t nc = 0;
            for (uint32_t j = 0; j < n; j++)
                if (j != i && g.level[j] >= l)
                    c[nc++] =
                        (cand){j, l2_seq(rows + (size_t)i * dim, rows + (size_t)j * dim, dim)};
            qsort(c, nc, sizeof *c, cand_cmp);
            for (uint32_t x = 0; x < nc && x < cap; x++)
                fwd[(size_t)i * 2 * m + nf[i]++] = c[x].j;
        }
        memset(rstart, 0, ((size_t)n + 1) * 4); /* reverse links, counted then filled */
        for (uint32_t j = 0; j < n; j++)
            for (uint32_t x = 0; x < nf[j]; x++)
                rstart[fwd[(size_t)j * 2 * m + x] + 1]++;
        for (uint32_t i = 0; i < n; i++)
            rstart[i + 1] += rstart[i];
        for (uint32_t j = 0; j < n; j++)
            for (uint32_t x = 0; x < nf[j]; x++) {
                uint32_t i = fwd[(size_t)j * 2 * m + x];
                rev[rstart[i]++] = j;
            }
        for (uint32_t i = n; i > 0; i--) /* rstart[i] now ends list i: shift back to starts */
            rstart[i] = rstart[i - 1];
        rstart[0] = 0;
        for (uint32_t i = 0; i < n; i++) { /* the union, nearest 3m kept */
            if (g.level[i] < l)
                continue;
            uint32_t nc = 0, mark = l * n + i + 1;
            for (uint32_t x = 0; x < nf[i]; x++)
                if (stamp[fwd[(size_t)i * 2 * m + x]] != mark) {
                    stamp[fwd[(size_t)i * 2 * m + x]] = mark;
                    c[nc++] = (cand){fwd[(size_t)i * 2 * m + x], 0};
                }
            for (uint32_t x = rstart[i]; x < rstart[i + 1]; x++)
                if (stamp[rev[x]] != mark) {
                    stamp[rev[x]] = mark;
                    c[nc++] = (cand){rev[x], 0};
                }
            for (uint32_t y = 0; y < nc; y++)
                c[y].d = l2_seq(rows + (size_t)i * dim, rows + (size_t)c[y].j * dim, dim);
            qsort(c, nc, sizeof *c, cand_cmp);
            for (uint32_t y = 0; y < nc && y < g.cap; y++)
                g.links[l][(size_t)i * g.cap + g.nlinks[l][i]++] = c[y].j;
        }
    }
    free(fwd);
    free(nf);
    free(rstart);
    free(rev);
    free(stamp);
    free(c);
    return g;
}
static void graph_free(graph *g)
{
    for (uint32_t l = 0; l <= g->top; l++) {
        free(g->links[l]);
        free(g->nlinks[l]);
    }
    free(g->level);
}

/* The pull search done directly (hub.mjs referencePull): greedy through the upper layers,
 * best-first beam of ef at layer 0. */
static uint32_t reference_pull(const graph *g, const float *q, const float *rows, uint32_t dim,
                               uint32_t ef, hit *out)
{
    uint32_t cur = g->entry;
    float cd = l2_seq(q, rows + (size_t)cur * dim, dim);
    for (uint32_t l = g->top; l > 0; l--)
        for (bool moved = true; moved;) {
            moved = false;
            float bd = INFINITY;
            uint32_t best = UINT32_MAX;
            for (uint32_t x = 0; x < g->nlinks[l][cur]; x++) {
                uint32_t j = g->links[l][(size_t)cur * g->cap + x];
                float dj = l2_seq(q, rows + (size_t)j * dim, dim);
                if (dj < bd) {
                    bd = dj;
                    best = j;
                }
            }
            if (best != UINT32_MAX && bd < cd) {
                cur = best;
                cd = bd;
                moved = true;
            }
        }
    uint8_t *seen = calloc(g->n, 1), *expanded = calloc(g->n, 1);
    hit heap[16 + 96];
    uint32_t nh = 1;
    heap[0] = (hit){cur, cd};
    seen[cur] = 1;
    for (;;) {
        qsort(heap, nh, sizeof *heap, hit_cmp);
        if (nh > ef)
            nh = ef;
        uint32_t x = 0;
        while (x < nh && expanded[heap[x].id])
            x++;
        if (x == nh)
            break;
        uint32_t c = (uint32_t)heap[x].id;
        expanded[c] = 1;
        for (uint32_t y = 0; y < g->nlinks[0][c]; y++) {
            uint32_t j = g->links[0][(size_t)c * g->cap + y];
            if (!seen[j]) {
                seen[j] = 1;
                heap[nh++] = (hit){j, l2_seq(q, rows + (size_t)j * dim, dim)};
            }
        }
    }
    memcpy(out, heap, nh * sizeof *heap);
    free(seen);
    free(expanded);
    return nh;
}

/* hub.mjs faultPlan: kinds in turn; a tile's faults in separate windows of its first `span`
 * messages, at least two units (unit_len messages) apart, so each is detected on its own. */
static size_t make_plan(fault *plan, size_t n, int tiles, uint32_t span, uint32_t unit_len,
                        uint32_t seed)
{
    rng_state = seed;
    uint32_t per_tile = (uint32_t)((n + (size_t)tiles - 1) / (size_t)tiles), w = span / per_tile;
    uint32_t room = w > 2 * unit_len + 1 ? w - 2 * unit_len : 1;
    for (size_t i = 0; i < n; i++) {
        uint32_t j = (uint32_t)(i / (size_t)tiles);
        plan[i] = (fault){(int)(i % (size_t)tiles), (int)(i % F_KINDS),
                          3 + j * w + (uint32_t)(rnd() * (float)room), (uint32_t)(rnd() * 4096)};
    }
    return n;
}

/* ---- main: the acceptance run -------------------------------------------------------------- */
static int g_failed;
static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "FAIL: %s\n", what);
        g_failed++;
    }
}

static uint32_t opt(int argc, char **argv, const char *name, uint32_t def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return (uint32_t)strtoul(argv[i + 1], NULL, 10);
    return def;
}

static int merge_shards(const unit *u, uint32_t shards, uint32_t k, hit *out)
{
    hit all[16 * MAX_TILES];
    uint32_t n = 0;
    for (uint32_t s = 0; s < shards; s++)
        for (uint32_t i = 0; i < u[s].nout; i++)
            all[n++] = u[s].out[i];
    qsort(all, n, sizeof *all, hit_cmp);
    uint32_t m = n < k ? n : k;
    memcpy(out, all, m * sizeof *all);
    return (int)m;
}

int main(int argc, char **argv)
{
    uint32_t ntiles = opt(argc, argv, "--tiles", 8), nblocks = opt(argc, argv, "--blocks", 1024);
    uint32_t bv = opt(argc, argv, "--block", 32), dim = opt(argc, argv, "--dim", 64);
    uint32_t nq = opt(argc, argv, "--queries", 16), k = opt(argc, argv, "--k", 10);
    uint32_t nfaults = opt(argc, argv, "--faults", 16),
             pn = opt(argc, argv, "--pull-vectors", 2048);
    bool verbose = false;
    for (int i = 1; i < argc; i++) {
        verbose |= strcmp(argv[i], "--verbose") == 0;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            puts("usage: rvf_tile_hub [--tiles 8] [--blocks 1024] [--block 32] [--dim 64] "
                 "[--queries 16] [--k 10] [--faults 16] [--pull-vectors 2048] [--verbose]");
            return 0;
        }
    }
    if (ntiles < 1 || ntiles > MAX_TILES || k < 1 || k > 16 || dim < 1 || dim > 384 || bv < 1 ||
        bv * 2 * dim > BLOCK_CAP || bv > IDS_CAP || nq < 1 || nblocks < 1) {
        fprintf(stderr, "rvf_tile_hub: bad arguments\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    uint32_t n = nblocks * bv;
    if (pn > n)
        pn = n;
    dataset ds = make_dataset(n, dim, 0x5EED), qs = make_queries(&ds, nq, pn, 0xBEEF);
    char msg[256];

    /* the native runtime's exact answers over the f32 vectors */
    rvf_options o = rvf_options_default(dim);
    o.no_witness = 1;
    rvf_store *store = NULL;
    uint64_t *ids = malloc((size_t)n * 8);
    for (uint32_t i = 0; i < n; i++)
        ids[i] = i;
    rvf_status st = rvf_create_memory(&o, &store);
    if (st == RVF_OK)
        st = rvf_ingest(store, ds.f32, ids, n, NULL, NULL);
    free(ids);
    if (st != RVF_OK) {
        fprintf(stderr, "rvf_tile_hub: the runtime store: %s\n", rvf_strerror(st));
        return 1;
    }

    /* 1. push mode, fp16 blocks, faults injected */
    uint32_t shards = ntiles, per_shard = (nblocks + shards - 1) / shards;
    uint32_t chunks = (bv * (8 + 2 * dim) + PAYLOAD_MAX - 5) / (PAYLOAD_MAX - 4);
    uint32_t per_unit = 3 + per_shard * (chunks + 1);
    fault plan[256];
    size_t nplan = make_plan(plan, nfaults < 256 ? nfaults : 256, (int)ntiles,
                             per_unit * (nq * shards / ntiles) - 10, per_unit, 0xFA17);
    hub h;
    hub_init(&h, (int)ntiles, plan, nplan, verbose);
    size_t nu = (size_t)nq * shards;
    unit *units = calloc(nu, sizeof *units);
    for (uint32_t q = 0; q < nq; q++)
        for (uint32_t s = 0; s < shards; s++) {
            unit *u = &units[q * shards + s];
            uint32_t first = s * per_shard * bv, last = (s + 1) * per_shard * bv;
            if (last > n)
                last = n;
            *u = (unit){0,        qs.f16 + (size_t)q * dim,
                        dim,      k,
                        0,        &ds,
                        first,    first < last ? last - first : 0,
                        bv,       NULL,
                        NULL,     NULL,
                        {{0, 0}}, 0};
        }
    double t0 = now_ms();
    run_all(&h, units, nu);
    double push_ms = now_ms() - t0 - h.stalled_ms; /* the timeouts' deadlines are not work */
    uint32_t exact = 0, within = 0;
    double worst_rel = 0;
    for (uint32_t q = 0; q < nq; q++) {
        hit got[16], bf[16];
        int m = merge_shards(units + q * shards, shards, k, got);
        brute(ds.f16f, qs.f16f + (size_t)q * dim, dim, n, k, bf);
        bool same = m == (int)k;
        for (int i = 0; same && i < m; i++)
            same = got[i].id == bf[i].id && memcmp(&got[i].dist, &bf[i].dist, 4) == 0;
        exact += same;
        /* the runtime's exact f32 answer, 4k deep for the tolerance check */
        rvf_hit rt[64];
        uint32_t nrt = 0;
        rvf_query_params qp = {4 * k, -1, NULL, 0, 0};
        rvf_query(store, qs.f32 + (size_t)q * dim, dim, &qp, rt, &nrt);
        bool ok = m == (int)k && nrt == 4 * k;
        const float *qv = qs.f32 + (size_t)q * dim;
        double tol_k = f16_tolerance(qv, ds.f32 + (size_t)rt[k - 1].id * dim, dim);
        for (int i = 0; ok && i < m; i++) {
            uint32_t r = 0;
            while (r < nrt && rt[r].id != got[i].id)
                r++;
            ok = r < nrt; /* a hit the runtime ranks beyond 4k is no tolerance artefact */
            if (!ok)
                break;
            double tol = f16_tolerance(qv, ds.f32 + (size_t)got[i].id * dim, dim);
            ok = fabs((double)got[i].dist - rt[r].distance) <= tol &&
                 rt[r].distance <= rt[k - 1].distance + tol + tol_k;
            double rel = fabs((double)got[i].dist - rt[r].distance) / fmax(rt[r].distance, 1e-30);
            worst_rel = rel > worst_rel ? rel : worst_rel;
        }
        for (uint32_t r = 0; ok && r < k;
             r++) { /* a runtime top-k id may be missing only at the edge */
            bool present = false;
            for (int i = 0; i < m; i++)
                present |= got[i].id == rt[r].id;
            ok = present || rt[r].distance >= got[m - 1].dist - 2 * tol_k - 1e-6;
        }
        within += ok;
    }
    snprintf(msg, sizeof msg, "push: %u/%u queries bit-identical to the fp16 brute force", exact,
             nq);
    check(exact == nq, msg);
    snprintf(msg, sizeof msg,
             "push: %u/%u queries within fp16 tolerance of the runtime's rvf_query", within, nq);
    check(within == nq, msg);
    snprintf(msg, sizeof msg, "push: %d faults (%d with the injected code) for %zu injected",
             h.nfaults, h.fault_ok, nplan);
    check(h.nfaults == (int)nplan && h.fault_ok == (int)nplan, msg);
    check(h.blocks >= 1000, "push: fewer than 1,000 blocks went through the protocol");
    int restarts = 0;
    for (uint32_t t = 0; t < ntiles; t++)
        restarts += h.tiles[t].restarts;
    printf("tile-sim (native hub): %u tile processes, %u x %u fp16 vectors in %u blocks of %u, "
           "%u queries, k=%u\n",
           ntiles, n, dim, nblocks, bv, nq, k);
    printf(
        "push: %llu blocks, %llu messages (%.1f MB) in %.0f ms (+ %.0f ms of timeout deadlines): "
        "%.0f blocks/s, %.1f queries/s; "
        "%u/%u bit-identical to the fp16 brute force, %u/%u within fp16 tolerance of rvf_query "
        "(worst relative error %.2e)\n",
        (unsigned long long)h.blocks, (unsigned long long)h.messages, (double)h.bytes / 1e6,
        push_ms, h.stalled_ms, (double)h.blocks / (push_ms / 1000), nq / (push_ms / 1000), exact,
        nq, within, nq, worst_rel);
    printf("      faults injected %zu, recovered %d (", nplan, h.fault_ok);
    for (int kd = 0; kd < F_KINDS; kd++) {
        int c = 0;
        for (size_t i = 0; i < nplan; i++)
            c += plan[i].kind == kd;
        printf("%s%s %d", kd ? ", " : "", fault_name[kd], c);
    }
    printf("), tile restarts %d\n", restarts);
    hub_close(&h);
    free(units);

    /* 2. push mode, i8 blocks with SQ params, no faults */
    uint32_t sqn = n < 64 * bv ? n : 64 * bv;
    float *mm = malloc(2 * dim * sizeof *mm);
    int8_t *codes = malloc((size_t)sqn * dim);
    for (uint32_t d = 0; d < dim; d++) {
        float lo = INFINITY, hi = -INFINITY;
        for (uint32_t i = 0; i < sqn; i++) {
            float v = ds.f32[(size_t)i * dim + d];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        mm[2 * d] = lo;
        mm[2 * d + 1] = hi;
        for (uint32_t i = 0; i < sqn; i++) {
            float x =
                roundf((ds.f32[(size_t)i * dim + d] - lo) / (hi - lo > 0 ? hi - lo : 1) * 255);
            codes[(size_t)i * dim + d] = (int8_t)((int)x - 128);
        }
    }
    hub_init(&h, (int)ntiles, NULL, 0, verbose);
    units = calloc(nq, sizeof *units);
    for (uint32_t q = 0; q < nq; q++)
        units[q] = (unit){
            0, qs.f16 + (size_t)q * dim, dim, k, 0, &ds, 0, sqn, bv, codes, mm, NULL, {{0, 0}}, 0};
    run_all(&h, units, nq);
    uint32_t sq_ok = 0;
    double sq_recall = 0;
    for (uint32_t q = 0; q < nq; q++) {
        const float *qv = qs.f32 + (size_t)q * dim;
        hit bf[16];
        brute(ds.f32, qv, dim, sqn, k, bf);
        double base = 0;
        for (uint32_t d = 0; d < dim; d++) {
            double e = (mm[2 * d + 1] - mm[2 * d]) / 510.0 + fabs(qv[d]) * 0x1p-11;
            base += e * e;
        }
        bool ok = units[q].nout == k;
        for (uint32_t i = 0; ok && i < k; i++) {
            double d32 = l2_seq(qv, ds.f32 + units[q].out[i].id * dim, dim);
            double tol = 2 * sqrt(d32 * base) + base + 1e-5 * d32;
            ok = fabs(units[q].out[i].dist - d32) <= tol && d32 <= bf[k - 1].dist + 2 * tol;
            for (uint32_t j = 0; j < k; j++)
                sq_recall += bf[j].id == units[q].out[i].id;
        }
        sq_ok += ok;
    }
    snprintf(msg, sizeof msg, "push i8: %u/%u queries within SQ tolerance", sq_ok, nq);
    check(sq_ok == nq, msg);
    printf("push i8 (SQ): %u vectors, %u/%u within SQ tolerance, recall@%u %.3f\n", sqn, sq_ok, nq,
           k, sq_recall / (nq * k));
    hub_close(&h);
    free(units);
    free(codes);
    free(mm);

    /* 3. pull mode: faults vs none, the direct search, recall */
    graph g = build_graph(ds.f16f, pn, dim, 16);
    unit *clean = calloc(nq, sizeof *clean), *faulty = calloc(nq, sizeof *faulty);
    for (uint32_t q = 0; q < nq; q++)
        clean[q] = faulty[q] = (unit){
            1, qs.f16 + (size_t)q * dim, dim, k, 16, &ds, 0, 0, 0, NULL, NULL, &g, {{0, 0}}, 0};
    hub_init(&h, (int)ntiles, NULL, 0, verbose);
    t0 = now_ms();
    run_all(&h, clean, nq);
    double pull_ms = now_ms() - t0;
    uint64_t nn = h.need_neighbors, nb = h.need_block;
    hub_close(&h);
    size_t npp =
        make_plan(plan, nfaults / 2 > F_KINDS ? nfaults / 2 : F_KINDS, (int)ntiles, 40, 0, 0x9A11);
    hub_init(&h, (int)ntiles, plan, npp, verbose);
    run_all(&h, faulty, nq);
    snprintf(msg, sizeof msg, "pull: %d faults (%d with the injected code) for %zu injected",
             h.nfaults, h.fault_ok, npp);
    check(h.nfaults == (int)npp && h.fault_ok == (int)npp, msg);
    hub_close(&h);
    uint32_t same_ref = 0, same_faulty = 0;
    double recall = 0;
    for (uint32_t q = 0; q < nq; q++) {
        hit ref[16 + 96], bf[16];
        uint32_t nr = reference_pull(&g, qs.f16f + (size_t)q * dim, ds.f16f, dim, 16, ref);
        bool eq = nr >= k && clean[q].nout == k;
        for (uint32_t i = 0; eq && i < k; i++)
            eq = ref[i].id == clean[q].out[i].id &&
                 memcmp(&ref[i].dist, &clean[q].out[i].dist, 4) == 0;
        same_ref += eq;
        same_faulty += clean[q].nout == faulty[q].nout &&
                       memcmp(clean[q].out, faulty[q].out, clean[q].nout * sizeof(hit)) == 0;
        brute(ds.f16f, qs.f16f + (size_t)q * dim, dim, pn, k, bf);
        for (uint32_t i = 0; i < clean[q].nout; i++)
            for (uint32_t j = 0; j < k; j++)
                recall += bf[j].id == clean[q].out[i].id;
    }
    recall /= nq * k;
    snprintf(msg, sizeof msg, "pull: %u/%u answers equal to the same search run directly", same_ref,
             nq);
    check(same_ref == nq, msg);
    snprintf(msg, sizeof msg, "pull: %u/%u answers with faults equal to the fault-free ones",
             same_faulty, nq);
    check(same_faulty == nq, msg);
    snprintf(msg, sizeof msg, "pull: recall@%u %.3f < 0.8", k, recall);
    check(recall >= 0.8, msg);
    printf("pull: %u vectors, %u layers, recall@%u %.3f, %.1f queries/s, NEED_NEIGHBORS %llu, "
           "NEED_BLOCK %llu; faults injected %zu, recovered %d, answers equal to the fault-free "
           "run %u/%u\n",
           pn, g.top + 1, k, recall, nq / (pull_ms / 1000), (unsigned long long)nn,
           (unsigned long long)nb, npp, h.fault_ok, same_faulty, nq);
    free(clean);
    free(faulty);
    graph_free(&g);
    rvf_close(store);
    dataset_free(&ds);
    dataset_free(&qs);
    puts(g_failed ? "checks failed" : "all checks passed");
    return g_failed ? 1 : 0;
}
