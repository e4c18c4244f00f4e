/* Calls the i4/u4 model of narrow-codes.test directly: u4 codes go in and
   come out sign-extended from bit 3, as codes.h says. */
#include "codes.h"

#include <stdio.h>

int main(void) {
  const int8_t a[CODES_INPUT0_ELEMENTS] = {-8, -1, 0, 7};
  /* The u4 codes 0, 9, 15, 12 in their stored form. */
  const uint8_t b[CODES_INPUT1_ELEMENTS] = {0, (uint8_t)-7, (uint8_t)-1, (uint8_t)-4};
  int8_t r0[CODES_RESULT0_ELEMENTS];
  uint8_t r1[CODES_RESULT1_ELEMENTS], r2[CODES_RESULT2_ELEMENTS];
  codes(a, b, r0, r1, r2);
  for (int i = 0; i < 4; ++i)
    printf("%d %u %u (codes %u %u)\n", r0[i], r1[i], r2[i], r1[i] & 15u, r2[i] & 15u);
  return 0;
}
