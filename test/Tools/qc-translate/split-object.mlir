// --obj-threads: a module of several functions is split into parts that
// LLVM optimizes and compiles on their own threads, merged into one object
// (`ld -r`). The split object computes exactly what the one-part object
// does (and numpy), and the kernel, internal in one part, is a hidden global
// with the entry's name as prefix, so two models' objects do not clash.
// REQUIRES: c-compiler
// RUN: qc-opt %S/integer-model.mlir --qc-cpu-pipeline -o %t.mlir
// RUN: qc-translate %t.mlir --mlir-to-obj --obj-threads=1 -o %t-1.o
// RUN: qc-translate %t.mlir --mlir-to-obj --obj-threads=3 -o %t-3.o
// RUN: %cc %S/Inputs/call_model.c %t-1.o -o %t-1
// RUN: %cc %S/Inputs/call_model.c %t-3.o -o %t-3
// RUN: %t-1 > %t-1.txt
// RUN: %t-3 > %t-3.txt
// RUN: %python %S/Inputs/call_model_reference.py | diff - %t-1.txt
// RUN: diff %t-1.txt %t-3.txt
// RUN: llvm-objdump -t %t-1.o | FileCheck %s --check-prefix=ONE
// RUN: llvm-objdump -t %t-3.o | FileCheck %s --check-prefix=SPLIT
// ONE-DAG: l F .text {{.*}} model_kernel0
// ONE-DAG: g F .text {{.*}} model
// SPLIT-DAG: g F .text {{.*}} .hidden model.model_kernel0
// SPLIT-DAG: g F .text {{.*}} model
// SPLIT-DAG: g F .text {{.*}} _mlir_ciface_model
// For another architecture there is no split (the host's `ld` merges the
// parts), and the object is still one.
// RUN: qc-translate %t.mlir --mlir-to-obj --obj-threads=3 --target-triple=aarch64-unknown-linux-gnu -o %t-arm.o
// RUN: llvm-objdump -t %t-arm.o | FileCheck %s --check-prefix=ARM
// ARM: l F .text {{.*}} model_kernel0
// Kernels on OpenMP threads share the unnamed `ident_t` globals of the
// omp translation: those become hidden globals too (else SplitModule would
// keep all such kernels in one part).
// RUN: qc-opt %S/Inputs/threaded-convs.mlir --qc-cpu-pipeline=threads=2 | qc-translate --mlir-to-obj --obj-threads=2 -o %t-omp.o
// RUN: llvm-objdump -t %t-omp.o | FileCheck %s --check-prefix=OMP
// OMP-DAG: .hidden conv_a.unnamed{{[0-9]+}}
// OMP-DAG: g F .text {{.*}} .hidden conv_a.conv_a_kernel0
// OMP-DAG: g F .text {{.*}} .hidden conv_a.conv_b_kernel0
