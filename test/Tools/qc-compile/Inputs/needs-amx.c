/* A library that looks like qc-compile's output for AMX code: its manifest
   says `requires amx-int8 amx-tile`; its entry is never reached on a host
   without AMX (requires.test). */
#include <stdint.h>
const char qc_model_manifest[] = "qc-model 1\n"
                                 "name needs_amx\n"
                                 "target cpu\n"
                                 "run needs_amx_qc_run\n"
                                 "requires amx-int8 amx-tile\n"
                                 "input int8 2x4\n"
                                 "result int32 2x4\n";
void needs_amx_qc_run(int64_t batch, void **inputs, void **results) {
  (void)batch, (void)inputs, (void)results;
  __builtin_trap();
}
