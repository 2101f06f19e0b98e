/* The examples' built-in test object: a disc with a brighter square, values in [0, 1]. */
#ifndef IK_EXAMPLES_PHANTOM_H
#define IK_EXAMPLES_PHANTOM_H

#include <math.h>

static void disc_and_square(double* image, int size) {
    for (int i = 0; i < size; i++) {
        for (int j = 0; j < size; j++) {
            double y = i - size / 2, x = j - size / 2, r = 0.39 * size;
            image[i * size + j] = (x * x + y * y < r * r ? 0.5 : 0) +
                                  (fabs(x - 0.08 * size) < 0.094 * size && fabs(y + 0.04 * size) < 0.0625 * size ? 0.5 : 0);
        }
    }
}

#endif
