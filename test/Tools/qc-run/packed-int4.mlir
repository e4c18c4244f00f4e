// Packed int4 at the boundary (docs/Numerics.md, "Packed int4 at the
// boundary"): with --packed-int4 every i4/u4 argument and result is a uint8
// .npy whose last dimension is ceil(n / 2), code 2j in the low nibble of
// byte j. The results, unpacked by the test's own numpy code, equal the
// unpacked run's bit for bit and numpy's, on the CPU and on Vulkan; for the
// odd last dimension (5) the unused high nibble is 0 on output and must be
// 0 on input.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/int4pack.py make %t
// RUN: qc-run %s --entry codes --input %t/i4.npy --input %t/u4.npy --output %t/a.npy --output %t/b.npy --output %t/r.npy
// RUN: qc-run %s --entry codes --packed-int4 --input %t/i4p.npy --input %t/u4p.npy --output %t/pa.npy --output %t/pb.npy --output %t/pr.npy
// RUN: %python %S/Inputs/int4pack.py check %t p "" | FileCheck %s
// RUN: qc-run %s --target=vulkan --entry codes --packed-int4 --input %t/i4p.npy --input %t/u4p.npy --output %t/va.npy --output %t/vb.npy --output %t/vr.npy
// RUN: %python %S/Inputs/int4pack.py check %t v "" | FileCheck %s
// CHECK: a: uint8[2, 3], 10 codes equal the unpacked run and numpy
// CHECK-NEXT: b: uint8[2, 3], 10 codes equal the unpacked run and numpy
// CHECK-NEXT: r: uint8[2, 3], 10 codes equal the unpacked run and numpy

// An even last dimension (4) packs into 2 bytes with both nibbles used;
// --print shows the packed bytes that --output writes.
// RUN: qc-run %s --entry even --packed-int4 --input %t/e4p.npy --output %t/pe.npy --print | FileCheck %s --check-prefix=EVEN
// EVEN: result #0: uint8[3x2]
// RUN: %python -c "import numpy as np; e = np.load('%t/e4.npy').astype(int); r = np.clip(2 * (e - 8), 0, 15); want = (r[:, 0::2] | (r[:, 1::2] << 4)).astype(np.uint8); got = np.load('%t/pe.npy'); assert got.dtype == want.dtype and got.tolist() == want.tolist(), (got, want); print('even: ok', got.tolist())" | FileCheck %s --check-prefix=EVENNP
// EVENNP: even: ok

// Bad packed inputs: a clear error naming the argument, what was expected
// and what was given; non-zero exit and nothing written.
// RUN: not qc-run %s --entry codes --packed-int4 --input %t/i4p-nibble.npy --input %t/u4p.npy --output %t/x.npy --output %t/y.npy --output %t/z.npy 2>&1 | FileCheck %s --check-prefix=NIBBLE
// NIBBLE: qc-run: error: argument #0 of @codes ('{{.*}}i4p-nibble.npy'): packed byte [1, 2] is {{[0-9]+}}, but the high nibble of a row's last byte must be 0 (the last dimension, 5, is odd)
// RUN: not qc-run %s --entry codes --packed-int4 --input %t/i4.npy --input %t/u4p.npy --output %t/x.npy --output %t/y.npy --output %t/z.npy 2>&1 | FileCheck %s --check-prefix=UNPACKED
// UNPACKED: qc-run: error: argument #0 of @codes ('{{.*}}i4.npy'): expected uint8[2x3] (i4[2x5] packed two per byte), got int8[2x5]
// RUN: not qc-run %s --entry codes --packed-int4 --input %t/i4p-int8.npy --input %t/u4p.npy --output %t/x.npy --output %t/y.npy --output %t/z.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: qc-run: error: argument #0 of @codes ('{{.*}}i4p-int8.npy'): expected uint8[2x3] (i4[2x5] packed two per byte), got int8[2x3]
// RUN: not qc-run %s --target=vulkan --entry codes --packed-int4 --input %t/i4p.npy --input %t/i4p-wide.npy --output %t/x.npy --output %t/y.npy --output %t/z.npy 2>&1 | FileCheck %s --check-prefix=WIDE
// WIDE: qc-run: error: argument #1 of @codes ('{{.*}}i4p-wide.npy'): expected uint8[2x3] (u4[2x5] packed two per byte), got uint8[2x5]
// Without --packed-int4 a packed file is just the wrong shape.
// RUN: not qc-run %s --entry codes --input %t/i4.npy --input %t/u4p.npy --output %t/x.npy 2>&1 | FileCheck %s --check-prefix=NOFLAG
// NOFLAG: qc-run: error: argument #1 of @codes ('{{.*}}u4p.npy'): expected uint8[2x5] of u4 codes, got uint8[2x3]
// RUN: not ls %t/x.npy %t/y.npy %t/z.npy

// Nothing to pack, or no last dimension to pack along.
// RUN: not qc-run %s --entry wide --packed-int4 --input %t/i4.npy 2>&1 | FileCheck %s --check-prefix=NONE
// NONE: qc-run: error: packed int4: @wide has no i4 or u4 argument or result to pack
// RUN: not qc-run %s --entry scalar --packed-int4 --input %t/i4.npy 2>&1 | FileCheck %s --check-prefix=SCALAR
// SCALAR: qc-run: error: packed int4: argument #0 of @scalar is a scalar (int8[] of i4 codes); packing needs a last dimension

!i4 = !quant.uniform<i4:f32, 0.5>
!u4 = !quant.uniform<u4:f32, 1.0:8>
!u4h = !quant.uniform<u4:f32, 0.5>
func.func @codes(%a: tensor<2x5x!i4>, %b: tensor<2x5x!u4>) -> (tensor<2x5x!i4>, tensor<2x5x!u4>, tensor<2x5x!u4h>) {
  %r = qc.requantize %b : tensor<2x5x!u4> -> tensor<2x5x!u4h>
  return %a, %b, %r : tensor<2x5x!i4>, tensor<2x5x!u4>, tensor<2x5x!u4h>
}

func.func @even(%a: tensor<3x4x!u4>) -> tensor<3x4x!u4h> {
  %r = qc.requantize %a : tensor<3x4x!u4> -> tensor<3x4x!u4h>
  return %r : tensor<3x4x!u4h>
}

func.func @wide(%a: tensor<2x5xi8>) -> tensor<2x5xi8> {
  return %a : tensor<2x5xi8>
}

func.func @scalar(%a: tensor<!i4>) -> tensor<!i4> {
  return %a : tensor<!i4>
}
