// RUN: qc-opt %s --qc-cpu-int8-kernels="int16-kernels=true amx=true" | FileCheck %s

// With AMX on, a GEMM-shaped product with a 16-bit side still takes the
// 16-bit kernel (AMX tiles multiply bytes): i16 activations by i8 weights
// have 8-bit weights, but no AMX tile op is built for them.
func.func @i16_by_i8_amx(%a: tensor<32x64xi16>) -> tensor<32x32xi32> {
  %b = arith.constant dense<-3> : tensor<64x32xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<32x32xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<32x32xi32>) -> tensor<32x32xi32>
  %r = linalg.matmul ins(%a, %b : tensor<32x64xi16>, tensor<64x32xi8>) outs(%z : tensor<32x32xi32>) -> tensor<32x32xi32>
  return %r : tensor<32x32xi32>
}

// CHECK-LABEL: func.func @i16_by_i8_amx
// CHECK-NOT:   amx.
// CHECK:       vector.multi_reduction <add>, {{.*}} [1] : vector<16x2xi32> to vector<16xi32>
// CHECK-NOT:   amx.
// CHECK-NOT:   linalg.matmul
