/* rvf_wasi_posix.c: kill() and gethostname() for the WASI build (see rvf_wasi_posix.h). */
#include "rvf_wasi_posix.h"

#include <errno.h>

int kill(pid_t pid, int sig)
{
    (void)pid;
    (void)sig;
    errno = EPERM;
    return -1;
}

int gethostname(char *name, size_t len)
{
    (void)name;
    (void)len;
    errno = ENOSYS;
    return -1;
}
