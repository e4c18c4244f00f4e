/* Prints where glibc puts a 24 MiB block: "heap" when qc's heap setting
   (M_MMAP_THRESHOLD 32 MiB, docs/Embedding.md) is in effect, "mmap" with
   glibc's defaults. Linked with or without a qc-compile'd library. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  size_t before = mallinfo2().hblkhd;
  char *block = malloc(24 << 20);
  if (!block)
    return 1;
  block[0] = 1;
  puts(mallinfo2().hblkhd > before ? "mmap" : "heap");
  free(block);
  return 0;
}
