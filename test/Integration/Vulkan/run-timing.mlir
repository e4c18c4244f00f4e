// qc-vulkan-run's timing lines: with --repeat, the host time of a whole run
// and the process's CPU time per run after the first (the driver's threads
// included: on lavapipe they run the kernels); with --profile, each step's
// workgroup count and the time outside the steps (submit to fence, less the
// steps' timestamps). The result stays exact over the repeated runs.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(18); [np.save('%t/' + n, r.integers(-1000, 1000, (9, 20), dtype=np.int32)) for n in ('a.npy', 'b.npy')]"
// RUN: qc-vulkan-run %s --input %t/a.npy --input %t/b.npy --output %t/y.npy --repeat 4 --profile | FileCheck %s
// RUN: qc-vulkan-run %s --input %t/a.npy --input %t/b.npy --output %t/y1.npy | FileCheck %s --check-prefix=ONCE --allow-empty
// RUN: %python -c "import numpy as np; a, b = (np.load('%t/' + n) for n in ('a.npy', 'b.npy')); y = (a + b) * b; [np.testing.assert_array_equal(np.load('%t/' + f), y) for f in ('y.npy', 'y1.npy')]; print('PASS')" | FileCheck %s --check-prefix=EXACT
// CHECK: profile: 3 steps, {{[0-9.]+}} ms
// CHECK-NEXT: outside the steps: {{-?[0-9.]+}} ms min per run (submit to fence, less the steps)
// 9x20 elements on 8x8 workgroups: a 3x2 grid.
// CHECK-DAG: main_kernel grid 3x2x1 wg 8x8x1 (6 workgroups)
// CHECK-DAG: main_kernel_0 grid 3x2x1 wg 8x8x1 (6 workgroups)
// CHECK-DAG: copy 720 bytes
// CHECK: runs: 4  min: {{[0-9.]+}} ms  median: {{[0-9.]+}} ms
// CHECK-NEXT: host: {{[0-9.]+}} ms min, {{[0-9.]+}} ms median per run; cpu: {{[0-9.]+}} ms user+sys per run, {{[0-9.]+}} cores busy
// One run prints no timing.
// ONCE-NOT: {{.}}
// EXACT: PASS

func.func @main(%a: tensor<9x20xi32>, %b: tensor<9x20xi32>) -> tensor<9x20xi32> {
  %s = arith.addi %a, %b : tensor<9x20xi32>
  %m = arith.muli %s, %b : tensor<9x20xi32>
  return %m : tensor<9x20xi32>
}
