# digits_cnn compiled for the CPU and run on the 256 test inputs: within one
# output step of torch's QAT model (Inputs/check_digits_run.py).
#
# The zero padding of qc.conv2d bufferizes to a strided memref.copy, which
# calls memrefCopy from libmlir_c_runner_utils (loaded by the qc-run JIT).
#
# RUN: rm -rf %t && mkdir -p %t
# RUN: %python -m qc.importers.onnx %qc_src_root/examples/digits_cnn.onnx --batch 256 -o %t/cnn.mlir
# RUN: %python -c "import numpy as np, sys; np.save(sys.argv[1], np.load(sys.argv[2]))" %t/x.npy %qc_src_root/examples/digits_test_x.npy
# RUN: qc-opt %t/cnn.mlir --qc-fold-fake-quant -o %t/cnn.folded.mlir
# RUN: qc-run --target=cpu %t/cnn.folded.mlir --input %t/x.npy --output %t/y_cnn.npy
# RUN: %python %S/Inputs/check_digits_run.py cnn %t/y_cnn.npy
