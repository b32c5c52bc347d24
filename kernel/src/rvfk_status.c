/* rvfk_status.c: the string table generated from rvf_status.def. */
#include "rvf_kernel.h"

const char *rvf_status_name(rvf_status s)
{
    switch (s) {
#define X(name, value, msg)                                                                        \
    case (value):                                                                                  \
        return #name;
#include "rvf_status.def"
#undef X
    default:
        return NULL;
    }
}

const char *rvf_strerror(rvf_status s)
{
    switch (s) {
#define X(name, value, msg)                                                                        \
    case (value):                                                                                  \
        return msg;
#include "rvf_status.def"
#undef X
    default:
        return "unknown status";
    }
}
