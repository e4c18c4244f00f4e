"""Import time of a generated QDQ chain of N (DequantizeLinear -> Slice ->
QuantizeLinear) blocks, the check that the ONNX importer is linear in the
graph's size (each Slice on a grid asks for its input's producer).

  /usr/bin/python3 benchmarks/import_chain.py [--python python] [N ...]

Prints the CPU seconds of import_model + to_mlir per N (default 500 1000
2000): twice the blocks should take twice the time. `--python` names the
qc Python tree to import (another checkout's, for an A/B). Not a test.
"""
import argparse
import sys
import time

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def chain(n):
    inits = [numpy_helper.from_array(np.array(0.05, np.float32), "s"),
             numpy_helper.from_array(np.array(0, np.int8), "z"),
             numpy_helper.from_array(np.array([0], np.int64), "st"),
             numpy_helper.from_array(np.array([8], np.int64), "en"),
             numpy_helper.from_array(np.array([2], np.int64), "ax")]
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q0"])]
    for i in range(n):
        nodes += [helper.make_node("DequantizeLinear", ["q%d" % i, "s", "z"], ["d%d" % i]),
                  helper.make_node("Slice", ["d%d" % i, "st", "en", "ax"], ["r%d" % i]),
                  helper.make_node("QuantizeLinear", ["r%d" % i, "s", "z"], ["q%d" % (i + 1)])]
    nodes.append(helper.make_node("DequantizeLinear", ["q%d" % n, "s", "z"], ["y"]))
    g = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 8])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sizes", nargs="*", type=int, default=[500, 1000, 2000])
    ap.add_argument("--python", default=None, help="the qc Python tree (default: this checkout's)")
    args = ap.parse_args()
    import os
    sys.path.insert(0, args.python or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    from qc.importers.onnx import import_model
    for n in args.sizes:
        model = chain(n)
        t = time.process_time()
        import_model(model).to_mlir()
        print("%d blocks: %.2f CPU s" % (n, time.process_time() - t))
    return 0


if __name__ == "__main__":
    sys.exit(main())
