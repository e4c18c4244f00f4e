// The object qc-translate emits links into a C program that calls
// _mlir_ciface_model with plain memref descriptors; numpy decides, both for
// the host CPU and for the baseline x86-64 (no AVX, no VNNI).
// REQUIRES: c-compiler
// RUN: qc-opt %S/integer-model.mlir --qc-cpu-pipeline | qc-translate --mlir-to-obj -o %t-host.o
// RUN: %cc %S/Inputs/call_model.c %t-host.o -o %t-host
// RUN: %t-host > %t-host.txt
// RUN: %python %S/Inputs/call_model_reference.py > %t-reference.txt
// RUN: diff %t-host.txt %t-reference.txt
// RUN: qc-opt %S/integer-model.mlir --qc-cpu-pipeline | qc-translate --mlir-to-obj --target-triple=x86_64-unknown-linux-gnu --target-cpu=x86-64 -o %t-baseline.o
// RUN: %cc %S/Inputs/call_model.c %t-baseline.o -o %t-baseline
// RUN: %t-baseline | diff - %t-reference.txt
// RUN: count 256 < %t-reference.txt
