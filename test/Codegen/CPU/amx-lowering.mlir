// The AMX kernel through the whole CPU pipeline (x86-amx=true) to LLVM IR and
// to an object for a CPU with AMX, on any host (nothing here runs the code):
// the amx ops become the LLVM AMX intrinsics with their tile shapes, and
// LLVM's X86 backend configures the tiles (ldtilecfg) and selects
// tileloadd / tdpbssd / tdpbusd / tilestored. Code generation for a CPU
// without AMX is refused with an error.
// RUN: qc-opt %s --qc-cpu-pipeline="x86-amx=true threads=1" -o %t.mlir
// RUN: FileCheck %s --check-prefix=LLVM --input-file=%t.mlir
// RUN: qc-translate --mlir-to-llvmir %t.mlir | FileCheck %s --check-prefix=IR
// RUN: qc-translate --mlir-to-obj --target-cpu=sapphirerapids --obj-threads=1 %t.mlir -o %t.o
// RUN: llvm-objdump -d --no-show-raw-insn %t.o | FileCheck %s --check-prefix=OBJ
// RUN: not qc-translate --mlir-to-obj --target-cpu=znver4 %t.mlir -o %t.bad.o 2>&1 | FileCheck %s --check-prefix=NOAMX
// Without the option nothing changes.
// RUN: qc-opt %s --qc-cpu-pipeline | FileCheck %s --check-prefix=PLAIN

// LLVM-DAG: llvm.call_intrinsic "llvm.x86.tilezero.internal"
// LLVM-DAG: llvm.call_intrinsic "llvm.x86.tileloadd64.internal"
// s8 x s8: tdpbssd; u8 x s8: tdpbusd.
// LLVM-DAG: llvm.call_intrinsic "llvm.x86.tdpbssd.internal"
// LLVM-DAG: llvm.call_intrinsic "llvm.x86.tdpbusd.internal"
// LLVM-DAG: llvm.call_intrinsic "llvm.x86.tilestored64.internal"
// The scratch is released per tile.
// LLVM-DAG: llvm.intr.stacksave
// LLVM-DAG: llvm.intr.stackrestore

// The intrinsics take the shapes as (rows, bytes per row[, K bytes]).
// IR-DAG: call x86_amx @llvm.x86.tileloadd64.internal(i16 16, i16 64,
// IR-DAG: call x86_amx @llvm.x86.tileloadd64.internal(i16 16, i16 8,
// IR-DAG: call x86_amx @llvm.x86.tileloadd64.internal(i16 2, i16 64,
// IR-DAG: call x86_amx @llvm.x86.tdpbssd.internal(i16 16, i16 64, i16 64,
// IR-DAG: call x86_amx @llvm.x86.tdpbssd.internal(i16 16, i16 64, i16 8,
// IR-DAG: call void @llvm.x86.tilestored64.internal(i16 16, i16 64,
// IR-DAG: call x86_amx @llvm.x86.tileloadd64.internal(i16 7, i16 28,
// IR-DAG: call x86_amx @llvm.x86.tileloadd64.internal(i16 7, i16 64,
// IR-DAG: call x86_amx @llvm.x86.tdpbusd.internal(i16 7, i16 64, i16 28,
// IR-DAG: call void @llvm.x86.tilestored64.internal(i16 7, i16 64,

// OBJ-LABEL: <s8_kernel
// OBJ:       ldtilecfg
// OBJ:       tileloadd
// OBJ:       tdpbssd
// OBJ:       tilestored
// OBJ:       tilerelease
// OBJ-LABEL: <u8_kernel
// OBJ:       ldtilecfg
// OBJ:       tdpbusd

// NOAMX: error: the module calls llvm.x86.{{.*}} but CPU 'znver4' lacks amx-int8/amx-tile; lower it without x86-amx or pick a CPU that has them

// PLAIN-NOT: amx

// s8 x s8, 32 x 200 x 40: two row tiles of 16, K = 200 in three 64-byte
// steps and a last one of 2 quads.
func.func @s8(%a: tensor<32x200xi8>) -> tensor<32x40xi32> {
  %b = arith.constant dense<-3> : tensor<200x40xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<32x40xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<32x40xi32>) -> tensor<32x40xi32>
  %r = linalg.matmul ins(%a, %b : tensor<32x200xi8>, tensor<200x40xi8>) outs(%z : tensor<32x40xi32>) -> tensor<32x40xi32>
  return %r : tensor<32x40xi32>
}

// u8 x s8, 7 x 28 x 16: one tile of 7 rows, one step of 7 quads.
func.func @u8(%a: tensor<7x28xi8>) -> tensor<7x16xi32> {
  %b = arith.constant dense<2> : tensor<28x16xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<7x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<7x16xi32>) -> tensor<7x16xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<7x28xi8>, tensor<28x16xi8>) outs(%z : tensor<7x16xi32>) {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %xe = arith.extui %x : i8 to i32
    %we = arith.extsi %w : i8 to i32
    %p = arith.muli %xe, %we : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<7x16xi32>
  return %r : tensor<7x16xi32>
}
