// RUN: not qc-vulkan-bundle %s -o %t 2>&1 | FileCheck %s
// A reduction over 70000 elements that qc-split-long-reductions cannot split
// (two accumulators in one loop) is a compile-time error naming the kernel
// and the bound, not wrong values on lavapipe (docs/SPIRV.md, "Loop limiter").
// CHECK: long-reduction-rejected.mlir:[[@LINE+7]]:{{[0-9]+}}: error: kernel 'main_kernel{{.*}}' may run 70001 loop iterations per invocation, over the bound of 32768 (llvmpipe stops an invocation's loops after 65535 in all, silently; a reduction that qc-split-long-reductions cannot split)
#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d0)>
func.func @main(%x: tensor<2x70000xi32>) -> (tensor<2xi32>, tensor<2xi32>) {
  %e = tensor.empty() : tensor<2xi32>
  %z = arith.constant 0 : i32
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<2xi32>) -> tensor<2xi32>
  %r:2 = linalg.generic {indexing_maps = [#in, #out, #out], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<2x70000xi32>) outs(%f, %f : tensor<2xi32>, tensor<2xi32>) {
  ^bb0(%a: i32, %acc: i32, %m: i32):
    %s = arith.addi %acc, %a : i32
    %t = arith.maxsi %m, %a : i32
    linalg.yield %s, %t : i32, i32
  } -> (tensor<2xi32>, tensor<2xi32>)
  return %r#0, %r#1 : tensor<2xi32>, tensor<2xi32>
}
