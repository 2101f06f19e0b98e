/* CHECK: call an InverseKit function and, on failure, print the status name and the library's
 * message, then exit. Shared by the examples. */
#ifndef IK_EXAMPLES_CHECK_H
#define IK_EXAMPLES_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "inversekit.h"

#define CHECK(call)                                                                            \
    do {                                                                                       \
        int check_status_ = (call);                                                            \
        if (check_status_ != IK_OK) {                                                          \
            fprintf(stderr, "%s:%d: %s failed: %s (%d): %s\n", __FILE__, __LINE__, #call,      \
                    ik_status_string(check_status_), check_status_, ik_last_error_message());  \
            exit(1);                                                                           \
        }                                                                                      \
    } while (0)

/* Compare the header this program was compiled with against the library it runs with. */
#define CHECK_ABI()                                                                            \
    do {                                                                                       \
        if (ik_abi_version() != IK_ABI_VERSION) {                                              \
            fprintf(stderr, "libinversekit ABI %d, compiled against %d\n", ik_abi_version(),   \
                    IK_ABI_VERSION);                                                           \
            exit(1);                                                                           \
        }                                                                                      \
    } while (0)

#endif
