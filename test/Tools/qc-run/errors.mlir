// Bad inputs end in a clear error naming the argument and file, a non-zero
// exit, and no output file.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/npytool.py rand %t/a.npy int8 2x4 1
// RUN: %python %S/Inputs/npytool.py rand %t/b.npy int8 4x3 2
// RUN: %python %S/Inputs/npytool.py rand %t/a32.npy int32 2x4 1
// RUN: %python %S/Inputs/npytool.py rand %t/a-shape.npy int8 4x2 1
// RUN: %python %S/Inputs/npytool.py save %t/fortran.npy int8 "[[1, 2, 3, 4], [5, 6, 7, 8]]" fortran
// RUN: %python %S/Inputs/npytool.py rand %t/short.npy int8 2x4 1
// RUN: %python %S/Inputs/npytool.py truncate %t/short.npy 130
// RUN: %python -c "import numpy as np; np.save('%t/big-endian.npy', np.zeros((2, 4), dtype='>i4'))"
// RUN: echo "plain text" > %t/text.npy

// RUN: not qc-run %s --entry matmul --input %t/a32.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: qc-run: error: argument #0 of @matmul ('{{.*}}a32.npy'): expected int8[2x4], got int32[2x4]

// RUN: not qc-run %s --entry matmul --input %t/a-shape.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: qc-run: error: argument #0 of @matmul ('{{.*}}a-shape.npy'): expected int8[2x4], got int8[4x2]

// RUN: not qc-run %s --entry matmul --input %t/a.npy 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: qc-run: error: @matmul takes 2 argument(s) but 1 --input file(s) were given

// RUN: not qc-run %s --entry matmul --input %t/a.npy --input %t/b.npy --output %t/x.npy --output %t/y.npy 2>&1 | FileCheck %s --check-prefix=OUTCOUNT
// OUTCOUNT: qc-run: error: @matmul has 1 result(s) but 2 --output file(s) were given

// RUN: not qc-run %s --entry matmul --input %t/a.npy --input %t/missing.npy 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: qc-run: error: argument #1 of @matmul: '{{.*}}missing.npy': cannot read: {{.*}}

// RUN: not qc-run %s --entry matmul --input %t/short.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=TRUNC
// TRUNC: qc-run: error: argument #0 of @matmul: '{{.*}}short.npy': truncated data: int8[2x4] needs 8 bytes, the file has 2

// RUN: not qc-run %s --entry matmul --input %t/fortran.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=FORTRAN
// FORTRAN: qc-run: error: argument #0 of @matmul: '{{.*}}fortran.npy': fortran_order arrays are not supported

// RUN: not qc-run %s --entry matmul --input %t/big-endian.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=ENDIAN
// ENDIAN: qc-run: error: argument #0 of @matmul: '{{.*}}big-endian.npy': unsupported dtype '>i4'

// RUN: not qc-run %s --entry matmul --input %t/text.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=MAGIC
// MAGIC: qc-run: error: argument #0 of @matmul: '{{.*}}text.npy': not a .npy file (bad magic string)

// RUN: not qc-run %s --entry nothere --input %t/a.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=ENTRY
// ENTRY: error: no function named 'nothere' in the module

// RUN: not qc-run %s --entry matmul --target=tpu --input %t/a.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=TARGET
// TARGET: qc-run: error: unknown --target 'tpu' (available: cpu, vulkan)

// RUN: not qc-run %s --repeat 0 2>&1 | FileCheck %s --check-prefix=REPEAT
// REPEAT: qc-run: error: --repeat must be at least 1

// Outputs are all written or none: the second output's directory does not
// exist, so the first is not left behind either, nor any temporary file.
// RUN: not qc-run %s --entry two --input %t/a.npy --input %t/b.npy --output %t/c.npy --output %t/nodir/d.npy 2>&1 | FileCheck %s --check-prefix=ATOMIC
// ATOMIC: qc-run: error: '{{.*}}nodir{{/|\\}}d.npy': cannot create a temporary file next to it
// RUN: ls %t | FileCheck %s --check-prefix=NOFILES
// A destination that is not a regular file is refused before anything is
// written (renaming over it would replace a directory or a device).
// RUN: mkdir -p %t/dir.npy
// RUN: not qc-run %s --entry two --input %t/a.npy --input %t/b.npy --output %t/c.npy --output %t/dir.npy 2>&1 | FileCheck %s --check-prefix=NOTFILE
// NOTFILE: qc-run: error: '{{.*}}dir.npy': exists and is not a regular file
// RUN: ls %t | FileCheck %s --check-prefix=NOFILES
// NOFILES-NOT: c.npy
// NOFILES-NOT: tmp

func.func @matmul(%a: tensor<2x4xi8>, %b: tensor<4x3xi8>) -> tensor<2x3xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x3xi32>
  %z = linalg.fill ins(%c0 : i32) outs(%e : tensor<2x3xi32>) -> tensor<2x3xi32>
  %m = linalg.matmul ins(%a, %b : tensor<2x4xi8>, tensor<4x3xi8>)
                     outs(%z : tensor<2x3xi32>) -> tensor<2x3xi32>
  return %m : tensor<2x3xi32>
}

func.func @two(%a: tensor<2x4xi8>, %b: tensor<4x3xi8>) -> (tensor<2x4xi8>, tensor<4x3xi8>) {
  return %a, %b : tensor<2x4xi8>, tensor<4x3xi8>
}
