// Every element kind qc-run exchanges goes through .npy in and out
// unchanged, with its numpy dtype and shape (3-D, 1-D with one element, 0-D).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/npytool.py rand %t/i8.npy int8 2x3x4 1
// RUN: %python %S/Inputs/npytool.py rand %t/u8.npy uint8 5 2
// RUN: %python %S/Inputs/npytool.py rand %t/i16.npy int16 3x2 3
// RUN: %python %S/Inputs/npytool.py rand %t/u16.npy uint16 1 4
// RUN: %python %S/Inputs/npytool.py rand %t/i32.npy int32 7 5
// RUN: %python %S/Inputs/npytool.py rand %t/i64.npy int64 2x2 6
// RUN: %python -c "import numpy as np; np.save('%t/f32.npy', np.array(3.25, np.float32)); np.save('%t/f64.npy', np.array([[1e300, -2.5]], np.float64))"
// RUN: qc-run %s --input %t/i8.npy --input %t/u8.npy --input %t/i16.npy --input %t/u16.npy \
// RUN:   --input %t/i32.npy --input %t/i64.npy --input %t/f32.npy --input %t/f64.npy \
// RUN:   --output %t/o-i8.npy --output %t/o-u8.npy --output %t/o-i16.npy --output %t/o-u16.npy \
// RUN:   --output %t/o-i32.npy --output %t/o-i64.npy --output %t/o-f32.npy --output %t/o-f64.npy
// RUN: %python -c "import numpy as np; [print(n, np.load('%t/o-' + n + '.npy').dtype, np.load('%t/o-' + n + '.npy').shape, np.array_equal(np.load('%t/o-' + n + '.npy'), np.load('%t/' + n + '.npy'))) for n in ['i8', 'u8', 'i16', 'u16', 'i32', 'i64', 'f32', 'f64']]" | FileCheck %s
// CHECK: i8 int8 (2, 3, 4) True
// CHECK: u8 uint8 (5,) True
// CHECK: i16 int16 (3, 2) True
// CHECK: u16 uint16 (1,) True
// CHECK: i32 int32 (7,) True
// CHECK: i64 int64 (2, 2) True
// CHECK: f32 float32 () True
// CHECK: f64 float64 (1, 2) True

func.func @all(%i8: tensor<2x3x4xi8>, %u8: tensor<5xui8>, %i16: tensor<3x2xi16>, %u16: tensor<1xui16>,
               %i32: tensor<7xi32>, %i64: tensor<2x2xi64>, %f32: tensor<f32>, %f64: tensor<1x2xf64>)
    -> (tensor<2x3x4xi8>, tensor<5xui8>, tensor<3x2xi16>, tensor<1xui16>,
        tensor<7xi32>, tensor<2x2xi64>, tensor<f32>, tensor<1x2xf64>) {
  return %i8, %u8, %i16, %u16, %i32, %i64, %f32, %f64
      : tensor<2x3x4xi8>, tensor<5xui8>, tensor<3x2xi16>, tensor<1xui16>,
        tensor<7xi32>, tensor<2x2xi64>, tensor<f32>, tensor<1x2xf64>
}
