// An int8 matmul + bias + requantize-like shift/clamp model compiles to LLVM
// IR and an object file without a single floating-point instruction, and
// its C entry point is in the object.
// RUN: qc-opt %s --qc-cpu-pipeline="integer-only=true" | qc-translate --mlir-to-llvmir \
// RUN:   | FileCheck %s --implicit-check-not=float --implicit-check-not=double \
// RUN:       --implicit-check-not=half --implicit-check-not=fmul --implicit-check-not=fadd \
// RUN:       --implicit-check-not=fptosi --implicit-check-not=sitofp --implicit-check-not=fptrunc \
// RUN:       --implicit-check-not=fpext --implicit-check-not=fcmp
// RUN: qc-opt %s --qc-cpu-pipeline="integer-only=true" | qc-translate --mlir-to-obj -o %t.o
// RUN: llvm-nm %t.o | FileCheck %s --check-prefix=NM
// The disassembly has no scalar or packed float arithmetic or conversion.
// RUN: llvm-objdump -d --no-show-raw-insn %t.o | FileCheck %s --check-prefix=ASM \
// RUN:   --implicit-check-not=cvt --implicit-check-not=mulss --implicit-check-not=mulps \
// RUN:   --implicit-check-not=addss --implicit-check-not=addps --implicit-check-not=vfmadd

// The layer's arithmetic is in its kernel function (qc-cpu-outline-kernels).
// CHECK-LABEL: define internal void @model_kernel0(
// CHECK:       mul <{{[0-9]+}} x i32>
// CHECK-LABEL: define void @model(
// CHECK-LABEL: define void @_mlir_ciface_model(ptr %0, ptr %1, ptr %2, ptr %3)
// CHECK:       call void @model(

// NM-DAG: T _mlir_ciface_model
// NM-DAG: T model
// ASM:    <model>:

func.func @model(%a: tensor<8x64xi8>, %b: tensor<64x32xi8>, %bias: tensor<32xi32>) -> tensor<8x32xi8> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<8x32xi32>
  %z = linalg.fill ins(%c0 : i32) outs(%e : tensor<8x32xi32>) -> tensor<8x32xi32>
  %m = linalg.matmul ins(%a, %b : tensor<8x64xi8>, tensor<64x32xi8>) outs(%z : tensor<8x32xi32>) -> tensor<8x32xi32>
  %e8 = tensor.empty() : tensor<8x32xi8>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m, %bias : tensor<8x32xi32>, tensor<32xi32>) outs(%e8 : tensor<8x32xi8>) {
  ^bb0(%x: i32, %y: i32, %o: i8):
    %shift = arith.constant 8 : i32
    %lo = arith.constant -128 : i32
    %hi = arith.constant 127 : i32
    %s = arith.addi %x, %y : i32
    %q = arith.shrsi %s, %shift : i32
    %c = arith.maxsi %q, %lo : i32
    %d = arith.minsi %c, %hi : i32
    %t = arith.trunci %d : i32 to i8
    linalg.yield %t : i8
  } -> tensor<8x32xi8>
  return %r : tensor<8x32xi8>
}
