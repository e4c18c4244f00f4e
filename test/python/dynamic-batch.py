# A dynamic batch (issue 16, item 2): the ONNX importer keeps the leading
# dimension `?` (batch=None, qc-import-onnx --batch '?'), the fold, the
# lowering and the CPU pipeline keep it, and one compilation runs at batch 1
# and 37, bit for bit as the model compiled at that static batch; qc-run
# takes .npy inputs of any batch.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK: digits_mlp: [float32[?, 1, 8, 8]] -> [float32[?, 10]]; batch 1 == static, batch 37 == static
# CHECK: digits_cnn: [float32[?, 1, 8, 8]] -> [float32[?, 10]]; batch 1 == static, batch 37 == static
# CHECK: vulkan: {{.*}}dynamic batch dimension; the Vulkan target compiles static shapes only
#
# RUN: qc-import-onnx %qc_src_root/examples/digits_cnn.onnx --batch '?' -o %t/cnn.mlir
# RUN: qc-opt %t/cnn.mlir --qc-fold-fake-quant -o %t/cnn-int.mlir
# RUN: FileCheck %s --check-prefix=IR --input-file=%t/cnn-int.mlir
# IR: func.func @digits_cnn(%arg0: tensor<?x1x8x8xf32>) -> tensor<?x10xf32>
# IR: qc.conv2d {{.*}} -> tensor<?x8x8x8x!quant.uniform
# RUN: qc-run %t/cnn-int.mlir --input %t/x1.npy --output %t/y1.npy
# RUN: qc-run %t/cnn-int.mlir --input %t/x37.npy --output %t/y37.npy
# RUN: %python -c "import numpy as np; assert np.array_equal(np.load('%t/y37.npy'), np.load('%t/cnn37.npy')); assert np.array_equal(np.load('%t/y1.npy'), np.load('%t/cnn1.npy')); print('qc-run ok')"
# RUN: not qc-run %t/cnn-int.mlir --input %t/x1.npy --input %t/x37.npy 2>&1 | FileCheck %s --check-prefix=COUNT
# COUNT: @digits_cnn takes 1 argument(s) but 2 --input file(s) were given
import os
import sys

import numpy as np

import qc

out = sys.argv[1]
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
x = np.load(os.path.join(root, "examples", "digits_test_x.npy"))
np.save(os.path.join(out, "x1.npy"), x[:1])
np.save(os.path.join(out, "x37.npy"), x[:37])

for name in ("digits_mlp", "digits_cnn"):
    path = os.path.join(root, "examples", name + ".onnx")
    dynamic = qc.compile(path, batch=None)
    for batch in (1, 37):
        y = dynamic(x[:batch])
        assert np.array_equal(y, qc.compile(path, batch=batch)(x[:batch])), (name, batch)
        if name == "digits_cnn":
            np.save(os.path.join(out, "cnn%d.npy" % batch), y)
    print("%s: %s -> %s; batch 1 == static, batch 37 == static" % (name, dynamic.inputs, dynamic.results))
try:
    qc.compile(os.path.join(root, "examples", "digits_mlp.onnx"), batch=None, target="vulkan")
except qc.CompileError as e:
    print("vulkan: %s" % e.message)
