// The LLVM IR that --mlir-to-obj and the JIT hand to LLVM's optimizer
// carries the loop annotations that scf-to-cf and cf-to-llvm leave on a
// loop's back edge as a discardable `llvm.loop_annotation` (upstream's
// translation reads only the branch's own `loop_annotation`).
// RUN: qc-translate --qc-mlir-to-llvmir %s | FileCheck %s
// RUN: qc-translate --mlir-to-llvmir %s | FileCheck %s --check-prefix=UPSTREAM
//
// The int8 kernels' epilogue row loops reach LLVM with
// llvm.loop.unroll.disable (qc-cpu-int8-kernels' keepRolled), through the
// whole pipeline:
// RUN: qc-opt %S/Inputs/row-loop-model.mlir --qc-cpu-pipeline | qc-translate --qc-mlir-to-llvmir | FileCheck %s --check-prefix=MODEL
// RUN: qc-opt %S/Inputs/row-loop-model.mlir --qc-cpu-pipeline=x86-vnni=true | qc-translate --qc-mlir-to-llvmir | FileCheck %s --check-prefix=MODEL
// and the object is still made (-O3 with the loops rolled):
// RUN: qc-opt %S/Inputs/row-loop-model.mlir --qc-cpu-pipeline=x86-vnni=true | qc-translate --mlir-to-obj --target-triple=x86_64-unknown-linux-gnu --target-cpu=znver4 -o %t.o
// RUN: llvm-objdump -d --no-show-raw-insn %t.o | FileCheck %s --check-prefix=OBJ

// CHECK-LABEL: define void @loops(
// CHECK:         br label %{{[0-9]+}}, !llvm.loop ![[NOUNROLL:[0-9]+]]
// CHECK:         br i1 %{{[0-9]+}}, label %{{[0-9]+}}, label %{{[0-9]+}}, !llvm.loop ![[NOUNROLL]]
// A branch's own annotation wins over the discardable one.
// CHECK:         br i1 %{{[0-9]+}}, label %{{[0-9]+}}, label %{{[0-9]+}}, !llvm.loop ![[FULL:[0-9]+]]
// CHECK:       ![[NOUNROLL]] = distinct !{![[NOUNROLL]], ![[DISABLE:[0-9]+]]}
// CHECK:       ![[DISABLE]] = !{!"llvm.loop.unroll.disable"}
// CHECK:       ![[FULL]] = distinct !{![[FULL]], ![[FULLUNROLL:[0-9]+]]}
// CHECK:       ![[FULLUNROLL]] = !{!"llvm.loop.unroll.full"}

// UPSTREAM-NOT: llvm.loop.unroll.disable

// MODEL-LABEL: define internal void @model_kernel0(
// MODEL:         br label %{{[0-9]+}}, !llvm.loop ![[LOOP:[0-9]+]]
// MODEL:       ![[LOOP]] = distinct !{![[LOOP]], ![[DISABLE:[0-9]+]]}
// MODEL:       ![[DISABLE]] = !{!"llvm.loop.unroll.disable"}

// OBJ: vpdpbusd

#unroll = #llvm.loop_unroll<disable = true>
#noUnroll = #llvm.loop_annotation<unroll = #unroll>
#full = #llvm.loop_annotation<unroll = <full = true>>
llvm.func @loops(%n: i64) {
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  llvm.br ^header(%c0 : i64)
^header(%i: i64):
  %done = llvm.icmp "eq" %i, %n : i64
  llvm.cond_br %done, ^exit, ^body
^body:
  %next = llvm.add %i, %c1 : i64
  llvm.br ^header(%next : i64) {llvm.loop_annotation = #noUnroll}
^exit:
  llvm.br ^header2(%c0 : i64)
^header2(%j: i64):
  %next2 = llvm.add %j, %c1 : i64
  %more = llvm.icmp "ult" %next2, %n : i64
  llvm.cond_br %more, ^header2(%next2 : i64), ^exit2 {llvm.loop_annotation = #noUnroll}
^exit2:
  llvm.br ^header3(%c0 : i64)
^header3(%k: i64):
  %next3 = llvm.add %k, %c1 : i64
  %more3 = llvm.icmp "ult" %next3, %n : i64
  llvm.cond_br %more3, ^header3(%next3 : i64), ^exit3 {llvm.loop_annotation = #noUnroll, loop_annotation = #full}
^exit3:
  llvm.return
}
