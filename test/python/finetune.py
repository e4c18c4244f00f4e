# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# A small fine-tuning run of the digits MLP (2:4 + int4 weights, a few
# epochs) and what must hold after it:
# * the loss decreases, and a second run with the same seed is identical;
# * the masks are exact: every pruned weight is +-0 in the trained model, in
#   the exported ONNX initializers and in the imported fake-quant constants,
#   and each kept weight is non-zero before training;
# * the export is QDQ with a Clip to [-8, 7] on the weight codes, which qc
#   imports as i4 weights;
# * compiled by qc (profile single_round) its outputs equal torch's
#   fake-quant model bit for bit, on the CPU and on Vulkan (int8 recipes, and
#   the int4 one: i4 weights are stored as i8 on the device); the
#   default profile (gemmlowp double rounding) stays within one output step
#   with the same argmax;
# * qc finds the masks: --qc-prune=pattern=2:4 on the fine-tuned 2:4 model
#   finds exactly its zeros and changes nothing, and
#   --qc-remove-zero-channels removes the pruned channels of a channel-pruned
#   one. (--qc-sparsify's N:M / ELL encodings match linalg.matmul / conv on i8 x i8 only; these
#   models multiply u8 activations (fbgemm's qconfig) by i8 or i4 weights,
#   which lowers to a linalg.generic, so they stay dense there.)
#
# CHECK: loss decreases: {{.*}}; same seed, same run
# CHECK: masks exact: trained model, ONNX, imported
# CHECK: ONNX: 2 weight Clips to [-8, 7]; imported as i4
# CHECK: cpu single_round: bit-exact with torch (256 inputs)
# CHECK: cpu double_round: max 1 step, argmax agreement 100.00%
# CHECK: vulkan (int8 recipes) single_round: bit-exact with torch
# CHECK: qc-prune: 2:4, sparsity 0.500 (1024 of 2048 weights zero)
# CHECK: qc-prune: 2:4, sparsity 0.500 (160 of 320 weights zero)
# CHECK: qc-remove-zero-channels: removed 16 of 32 zero output channels
# CHECK: vulkan int4: bit-exact with torch
import os
import subprocess
import sys
import warnings

import numpy as np
import onnx
import torch
from onnx import numpy_helper

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "examples"))

import qc  # noqa: E402
import train_digits  # noqa: E402
from qc.compression import Layout  # noqa: E402
from qc.importers.onnx import import_model  # noqa: E402
from qc.training import export_onnx, finetune, predict  # noqa: E402

work = sys.argv[1]
x_train, _, y_train, _ = train_digits.data()
x = np.ascontiguousarray(np.load(os.path.join(ROOT, "examples", "digits_test_x.npy")))
teacher = train_digits.load_qat("mlp")
quiet = lambda _: None  # noqa: E731
settings = dict(epochs=4, lr=1e-3, seed=3, log=quiet)

# -- training ---------------------------------------------------------------
before = finetune(teacher, x_train, y_train, "pattern=2:4 bits=4", epochs=0, log=quiet)
run = finetune(teacher, x_train, y_train, "pattern=2:4 bits=4", **settings)
again = finetune(teacher, x_train, y_train, "pattern=2:4 bits=4", **settings)
losses = [h["loss"] for h in run.history[1:]]
assert losses[-1] < losses[0], losses
assert run.history == again.history, "same seed, different history"
for (k, a), (_, b) in zip(run.model.state_dict().items(), again.model.state_dict().items()):
    assert torch.equal(a, b), "same seed, different %s" % k
print("loss decreases: %s; same seed, same run" % " ".join("%.4f" % v for v in losses))

# -- masks ----------------------------------------------------------------------
modules = dict(run.model.named_modules())
start = dict(before.model.named_modules())
for layer in ("fc1", "fc2"):
    keep = run.masks[layer]
    w = modules[layer].weight.detach()
    assert torch.all(w[~keep] == 0), layer
    assert torch.all(start[layer].weight.detach()[keep] != 0), layer
    assert int((~keep).sum()) == keep.numel() // 2, layer
path = os.path.join(work, "mlp.onnx")
export_onnx(run.model, path, x[:1])
model = onnx.load(path)
inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
for layer in ("fc1", "fc2"):
    w = inits[layer + ".weight"]
    assert np.all(w[~run.masks[layer].numpy()] == 0), layer
graph = import_model(path, batch=len(x))
# The weight constant of each matmul, through its fake_quant (the importer may
# keep other constants of the same shape, e.g. before the int4 Clip).
fake_quant_source = {n.output: n.inputs[0] for n in graph.nodes if n.op == "fake_quant"}
matmul_weights = [graph.consts[fake_quant_source[n.inputs[1]]]
                  for n in graph.nodes if n.op == "matmul"]
for layer, value in zip(("fc1", "fc2"), matmul_weights):
    layout = Layout(layer, modules[layer])
    # (int4 may round more weights to 0: the pruned ones must be among them)
    assert np.all(value[layout.to_qc(~run.masks[layer].numpy())] == 0), layer
print("masks exact: trained model, ONNX, imported")

clips = [n for n in model.graph.node if n.op_type == "Clip" and n.input[1].endswith(".qmin")]
bounds = {(int(inits[n.input[1]]), int(inits[n.input[2]])) for n in clips}
text = graph.to_mlir()
assert "!quant.uniform<i4:f32:1" in text and bounds == {(-8, 7)}, bounds
print("ONNX: %d weight Clips to [-8, 7]; imported as i4" % len(clips))

# -- compiled -------------------------------------------------------------------
ref = predict(run.model, x)
step = float(graph.nodes[-1].attrs["qparams"].scale[0])
single = "qc-fold-fake-quant{profile=single_round}"
y = qc.compile(graph, target="cpu", pipeline=single)(x)
assert y.tobytes() == ref.tobytes(), "compiled != torch: %d outputs" % int((y != ref).sum())
print("cpu single_round: bit-exact with torch (%d inputs)" % len(x))
y = qc.compile(graph, target="cpu")(x)
lsb = np.rint(np.abs(y.astype(np.float64) - ref) / step)
agree = 100.0 * float(np.mean(y.argmax(1) == ref.argmax(1)))
assert lsb.max() <= 1 and agree == 100.0, (lsb.max(), agree)
print("cpu double_round: max %d step, argmax agreement %.2f%%" % (lsb.max(), agree))

# int8 recipes: on Vulkan too, and qc finds their masks.
graphs = {}
for recipe in ("pattern=2:4", "pattern=channel sparsity=0.5 fc2.pattern=none"):
    tuned = finetune(teacher, x_train, y_train, recipe, **dict(settings, epochs=2))
    path8 = os.path.join(work, "mlp8.onnx")
    export_onnx(tuned.model, path8, x[:1])
    graphs[recipe] = g = import_model(path8, batch=len(x))
    want = predict(tuned.model, x)
    for target in ("cpu", "vulkan"):
        got = qc.compile(g, target=target, pipeline=single)(x)
        assert got.tobytes() == want.tobytes(), "%s on %s: %d outputs differ" % (recipe, target, int((got != want).sum()))
print("vulkan (int8 recipes) single_round: bit-exact with torch")

# qc sees the 2:4 masks: pruning the fine-tuned model again with
# --qc-prune=pattern=2:4 finds exactly the zeros that are there (and changes
# no constant); --qc-remove-zero-channels removes the pruned channels.
src = os.path.join(work, "in.mlir")
with open(src, "w") as f:
    f.write(graphs["pattern=2:4"].to_mlir())
r = subprocess.run(["qc-opt", src, "--qc-prune=pattern=2:4", "--mlir-print-elementsattrs-with-hex-if-larger=-1"],
                   capture_output=True, text=True)
assert r.returncode == 0, r.stderr
plain = subprocess.run(["qc-opt", src, "--mlir-print-elementsattrs-with-hex-if-larger=-1"], capture_output=True,
                       text=True).stdout
consts = lambda t: [l.strip() for l in t.splitlines() if "arith.constant dense" in l]  # noqa: E731
assert consts(r.stdout) == consts(plain), "--qc-prune changed a fine-tuned 2:4 weight"
print("\n".join(l.split("remark: ")[1] for l in r.stderr.splitlines() if "remark: qc-prune" in l))
with open(src, "w") as f:
    f.write(graphs["pattern=channel sparsity=0.5 fc2.pattern=none"].to_mlir())
r = subprocess.run(["qc-opt", src, "--qc-fold-fake-quant", "--qc-remove-zero-channels", "-o", os.devnull],
                   capture_output=True, text=True)
assert r.returncode == 0, r.stderr
print("\n".join(l.split("remark: ")[1] for l in r.stderr.splitlines() if "remark: qc-remove-zero-channels" in l))

# -- int4 on Vulkan --------------------------------------------------------------
# i4 weights are stored as i8 on Vulkan (--qc-widen-narrow-integers), and the
# result must equal torch's bit for bit, like the CPU's.
y_vk = qc.compile(graph, target="vulkan", pipeline=single)(x)
assert y_vk.tobytes() == ref.tobytes(), "Vulkan int4 differs from torch"
print("vulkan int4: bit-exact with torch")
