/* The library implements its whole header, the experimental tier included. */
#define IK_EXPERIMENTAL_API
#include "../../include/inversekit.h"
