"""numpy reference of Inputs/call_model.c running integer-model.mlir."""
import numpy as np

a = ((np.arange(8 * 64) * 37 % 256) - 128).astype(np.int8).reshape(8, 64)
b = ((np.arange(64 * 32) * 91 % 256) - 128).astype(np.int8).reshape(64, 32)
bias = (np.arange(32) * 1000 - 16000).astype(np.int32)
acc = a.astype(np.int32) @ b.astype(np.int32) + bias
out = np.clip(acc >> 8, -128, 127).astype(np.int8)
for value in out.reshape(-1):
    print(int(value))
