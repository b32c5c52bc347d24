/* rvf_wasi_posix.h: what the WASI build (js/wasi/wasi.cmake) adds to wasi-libc for the runtime.
 * Force-included (-include) into every runtime and CLI source of that build only.
 *
 * WASI preview 1 has no processes and no host name. The runtime's writer lock (rvf_lock.c) asks
 * kill(pid, 0) whether a lock's writer on this host is alive, and gethostname() for the host it
 * records; rvf_wasi_posix.c answers both conservatively. */
#ifndef RVF_WASI_POSIX_H
#define RVF_WASI_POSIX_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __wasi__
/* Always -1 with EPERM ("alive, owned by someone else"): a sandbox cannot see other processes,
 * so it never breaks a lock its own host holds (a native writer, which can see the pid, does). */
int kill(pid_t pid, int sig);
/* Always -1 with ENOSYS: the lock then names the host from $HOSTNAME (passed in the WASI
 * environment) or "unknown", as the reference runtime does. */
int gethostname(char *name, size_t len);
#endif

#endif
