// Split objects (--obj-threads > 1) keep the weights out of the modules that
// LLVM optimizes: a constant global of 4 KiB or more becomes a declaration
// in its part and a definition in a data-only object, merged with the
// parts (`ld -r`). The model's 8 KiB packed weight is then a hidden global
// of the object's .rodata, with the entry's name as prefix; the results
// equal the one-part object's and numpy's.
// REQUIRES: c-compiler
// RUN: %python %S/Inputs/weights_model.py mlir > %t.mlir
// RUN: qc-opt %t.mlir --qc-cpu-pipeline -o %t-llvm.mlir
// RUN: qc-translate %t-llvm.mlir --mlir-to-obj --obj-threads=1 -o %t-1.o
// RUN: qc-translate %t-llvm.mlir --mlir-to-obj --obj-threads=2 -o %t-2.o
// RUN: qc-translate %t-llvm.mlir --mlir-to-obj --obj-threads=3 -o %t-3.o
// RUN: %cc %S/Inputs/call_weights_model.c %t-1.o -o %t-1
// RUN: %cc %S/Inputs/call_weights_model.c %t-2.o -o %t-2
// RUN: %cc %S/Inputs/call_weights_model.c %t-3.o -o %t-3
// RUN: %t-1 > %t-1.txt
// RUN: %t-2 > %t-2.txt
// RUN: %t-3 > %t-3.txt
// RUN: %python %S/Inputs/weights_model.py reference | diff - %t-1.txt
// RUN: diff %t-1.txt %t-2.txt
// RUN: diff %t-1.txt %t-3.txt
// RUN: llvm-objdump -t %t-1.o | FileCheck %s --check-prefix=ONE
// RUN: llvm-objdump -t %t-2.o | FileCheck %s --check-prefix=SPLIT
// RUN: llvm-objdump -t %t-2.o | FileCheck %s --check-prefix=SMALL
// One part: the weight stays private (no symbol).
// ONE-NOT: __constant_8192xi8
// SPLIT: g O .rodata {{0*}}00002000 .hidden model.__constant_8192xi8
// A small constant (the 512-byte vector of the weight's column sums) is not
// data: it stays private to its kernel's part.
// SMALL-NOT: __constant_128xi32
