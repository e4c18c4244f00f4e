// --mlir-to-obj for a given triple and CPU: the baseline x86-64 object has
// no AVX-512 register, the host object is for the host's own CPU, and a bad
// triple is an error.
// RUN: qc-opt %S/integer-model.mlir --qc-cpu-pipeline | qc-translate --mlir-to-obj --target-triple=x86_64-unknown-linux-gnu --target-cpu=x86-64 -o %t-baseline.o
// RUN: llvm-objdump -d --no-show-raw-insn %t-baseline.o | FileCheck %s --check-prefix=BASELINE --implicit-check-not=zmm --implicit-check-not=ymm
// BASELINE: <_mlir_ciface_model>:
// RUN: qc-opt %S/integer-model.mlir --qc-cpu-pipeline | qc-translate --mlir-to-obj --target-triple=aarch64-unknown-linux-gnu -o %t-arm.o
// RUN: llvm-objdump -f %t-arm.o | FileCheck %s --check-prefix=ARM
// ARM: file format elf64-littleaarch64
// RUN: qc-opt %S/integer-model.mlir --qc-cpu-pipeline | not qc-translate --mlir-to-obj --target-triple=nonsense-triple -o %t-bad.o 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: unknown target triple 'nonsense-triple'
// RUN: qc-opt %S/integer-model.mlir | not qc-translate --mlir-to-obj -o %t-tensor.o 2>&1 | FileCheck %s --check-prefix=NOTLLVM
// NOTLLVM: error: Dialect `func' not found
// Code using AVX512-VNNI intrinsics (x86-vnni=true) for a CPU or a target
// without them is an error, not an LLVM crash.
// RUN: qc-opt %S/integer-model.mlir --qc-cpu-pipeline=x86-vnni=true | not qc-translate --mlir-to-obj --target-triple=x86_64-unknown-linux-gnu --target-cpu=x86-64 -o %t-novnni.o 2>&1 | FileCheck %s --check-prefix=NOVNNI
// NOVNNI: error: the module calls llvm.x86.avx512.vpdpbusd.512 but CPU 'x86-64' lacks avx512vnni
// RUN: qc-opt %S/integer-model.mlir --qc-cpu-pipeline=x86-vnni=true | not qc-translate --mlir-to-obj --target-triple=aarch64-unknown-linux-gnu -o %t-arm-vnni.o 2>&1 | FileCheck %s --check-prefix=ARMVNNI
// ARMVNNI: error: the module calls llvm.x86.avx512.vpdpbusd.512 but the target is aarch64-unknown-linux-gnu
// RUN: qc-opt %S/integer-model.mlir --qc-cpu-pipeline=x86-vnni=true | qc-translate --mlir-to-obj --target-triple=x86_64-unknown-linux-gnu --target-cpu=icelake-server -o %t-icelake.o
// RUN: llvm-objdump -d --no-show-raw-insn %t-icelake.o | FileCheck %s --check-prefix=ICELAKE
// ICELAKE: vpdpbusd
