"""weights-object.mlir's model and its numpy reference.

  weights_model.py mlir       prints the model: an int8 matmul whose 64x128
                              weight (8 KiB) is a constant
  weights_model.py reference  prints what Inputs/call_weights_model.c prints
"""
import sys

import numpy as np

a = ((np.arange(8 * 64) * 37 % 256) - 128).astype(np.int8).reshape(8, 64)
w = ((np.arange(64 * 128) * 53 % 251) - 125).astype(np.int8).reshape(64, 128)

if sys.argv[1] == "mlir":
    print("func.func @model(%a: tensor<8x64xi8>) -> tensor<8x128xi32> {")
    print('  %%w = arith.constant dense<"0x%s"> : tensor<64x128xi8>' % w.tobytes().hex().upper())
    print("  %c0 = arith.constant 0 : i32")
    print("  %e = tensor.empty() : tensor<8x128xi32>")
    print("  %z = linalg.fill ins(%c0 : i32) outs(%e : tensor<8x128xi32>) -> tensor<8x128xi32>")
    print("  %r = linalg.matmul ins(%a, %w : tensor<8x64xi8>, tensor<64x128xi8>)"
          " outs(%z : tensor<8x128xi32>) -> tensor<8x128xi32>")
    print("  return %r : tensor<8x128xi32>")
    print("}")
else:
    for value in (a.astype(np.int32) @ w.astype(np.int32)).reshape(-1):
        print(int(value))
