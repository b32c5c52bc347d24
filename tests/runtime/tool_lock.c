/* tool_lock: holds our writer lock on a store path so another implementation can be tested
 * against it (tests/runtime/lock-refnode.mjs).
 * Usage: tool_lock <store path>. Acquires <path>.lock, prints "LOCKED", waits for a line (or EOF)
 * on stdin, releases. Exit 0 on success, 3 when the lock is held, 4 when the release finds the
 * lock taken over, 1 on any other error. */
#define _POSIX_C_SOURCE 200809L /* test programs build as strict C11 */
#include <stdio.h>

#include "rvf_internal.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: tool_lock <store path>\n");
        return 1;
    }
    rvf_lock *l = NULL;
    rvf_status st = rvf_lock_acquire(argv[1], &l);
    if (st != RVF_OK) {
        printf("ERROR %d %s\n", (int)st, rvf_strerror(st));
        fflush(stdout);
        return st == RVF_ERR_LOCK_HELD ? 3 : 1;
    }
    printf("LOCKED\n");
    fflush(stdout);
    int c;
    while ((c = getchar()) != EOF && c != '\n')
        ;
    st = rvf_lock_release(l);
    printf("RELEASED %d %s\n", (int)st, rvf_strerror(st));
    fflush(stdout);
    return st == RVF_OK ? 0 : st == RVF_ERR_LOCK_STALE ? 4 : 1;
}
