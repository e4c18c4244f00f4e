// --qc-low-rank composes with --qc-fold-fake-quant in either order: on the
// QAT graph (factors and intermediate fake-quantized, then folded) and on the
// folded graph (quantized weight dequantized, factorized and requantized),
// the result is the same integer structure: an i8 x i8 product into the
// 16-bit intermediate, then an i16 x i8 product with the bias.
// RUN: qc-opt %s --qc-low-rank="rank=8" --qc-fold-fake-quant 2>/dev/null | FileCheck %s
// RUN: qc-opt %s --qc-fold-fake-quant --qc-low-rank="rank=8" 2>/dev/null | FileCheck %s

// CHECK-LABEL: func.func @qat
// CHECK:         %[[X:.*]] = qc.quantize %{{.*}} : tensor<4x64xf32> -> tensor<4x64x!quant.uniform<i8:f32, 5.000000e-02:-3>>
// CHECK-DAG:     %[[A:.*]] = quant.scast %{{.*}} : tensor<64x8xi8> to tensor<64x8x!quant.uniform<i8<-127:127>:f32:1, {{{.*}}}>>
// CHECK-DAG:     %[[B:.*]] = quant.scast %{{.*}} : tensor<8x48xi8> to tensor<8x48x!quant.uniform<i8<-127:127>:f32:1, {{{.*}}}>>
// CHECK:         %[[T:.*]] = qc.matmul %[[X]], %[[A]] : {{.*}} -> tensor<4x8x!quant.uniform<i16<-32767:32767>:f32, {{.*}}>>
// CHECK:         %[[Y:.*]] = qc.matmul %[[T]], %[[B]] bias %{{.*}} : {{.*}}, tensor<48x!quant.uniform<i32:f32:0, {{{.*}}}>> -> tensor<4x48x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK:         qc.dequantize %[[Y]]
// CHECK-NOT:     linalg
func.func @qat(%x: tensor<4x64xf32>) -> tensor<4x48xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.05:-3> : tensor<4x64xf32>
  %w = arith.constant dense<0.25> : tensor<64x48xf32>
  %wq = qc.fake_quant %w {min = array<f64: -1.0>, max = array<f64: 1.0>, num_bits = 8 : i64, narrow_range} : tensor<64x48xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x48xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x48xf32>) -> tensor<4x48xf32>
  %mm = linalg.matmul ins(%xq, %wq : tensor<4x64xf32>, tensor<64x48xf32>) outs(%init : tensor<4x48xf32>) -> tensor<4x48xf32>
  %b = arith.constant dense<0.5> : tensor<48xf32>
  %add = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%mm, %b : tensor<4x48xf32>, tensor<48xf32>) outs(%e : tensor<4x48xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<4x48xf32>
  %y = qc.fake_quant %add to !quant.uniform<i8:f32, 0.05:0> : tensor<4x48xf32>
  return %y : tensor<4x48xf32>
}
