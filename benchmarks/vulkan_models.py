#!/usr/bin/python3
"""Benchmarks qc's Vulkan path on zoo models against qc's CPU target.

usage: benchmarks/vulkan_models.py [--build BUILD] [--repeat N] [--cache DIR]
          [--options "qc-spirv-pipeline options"] [MODEL ...]
MODEL is resnet18-64, resnet18-224, mobilenet_v2-64 or mobilenet_v2-224
(default: all). Each model is built once into --cache: torchvision 0.14's
float model with random weights (fixed seeds) and batch-norm statistics from
random batches, batch norm folded, FX QAT with the fbgemm qconfig observed on
random batches, exported to ONNX QDQ (opset 13) and imported with
qc.importers.onnx, then folded with qc-opt --qc-fold-fake-quant. Both targets
run the same folded module on the same random input through qc-run; the
outputs must be bit-identical. Prints min/median device time (Vulkan: submit
to fence; CPU: the JIT-compiled call) with the device name and driver.
A benchmark, not a test.
"""
import argparse
import copy
import os
import re
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = {"resnet18-64": ("resnet18", 64), "resnet18-224": ("resnet18", 224),
          "mobilenet_v2-64": ("mobilenet_v2", 64), "mobilenet_v2-224": ("mobilenet_v2", 224)}


def build_onnx(arch, size, path):
    import torch
    import torch.fx.experimental.optimization as fx_opt
    import torchvision
    from torch.ao.quantization import get_default_qat_qconfig_mapping
    from torch.ao.quantization.quantize_fx import prepare_qat_fx
    sys.path.insert(0, os.path.join(ROOT, "python"))
    from qc.onnx_export import freeze_fake_quant

    torch.manual_seed(0)
    model = getattr(torchvision.models, arch)(weights=None)
    # Batch-norm statistics from random batches (mobilenet_v2's outputs are
    # all exactly 0 with the initial ones), then folded into the convolutions.
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(torch.randn(4, 3, size, size))
    model.eval()
    model = fx_opt.fuse(model)
    example = torch.randn(1, 3, size, size)
    qat = prepare_qat_fx(model.train(), get_default_qat_qconfig_mapping("fbgemm"), (example,))
    with torch.no_grad():
        for _ in range(4):
            qat(torch.randn(2, 3, size, size))
    qat.apply(torch.ao.quantization.disable_observer)
    qat.eval()
    torch.onnx.export(freeze_fake_quant(qat), (example,), path, opset_version=13,
                      input_names=["x"], output_names=["y"], do_constant_folding=True)


def build(name, cache, build_dir):
    arch, size = MODELS[name]
    folded = os.path.join(cache, name + ".mlir")
    if os.path.exists(folded):
        return folded
    os.makedirs(cache, exist_ok=True)
    onnx_path = os.path.join(cache, name + ".onnx")
    build_onnx(arch, size, onnx_path)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    imported = os.path.join(cache, name + ".imported.mlir")
    subprocess.run([sys.executable, "-m", "qc.importers.onnx", onnx_path, "-o", imported],
                   env=env, check=True)
    subprocess.run([os.path.join(build_dir, "bin", "qc-opt"), imported, "--qc-fold-fake-quant",
                    "-o", folded + ".tmp"], check=True)
    os.replace(folded + ".tmp", folded)
    rng = np.random.default_rng(0)
    np.save(os.path.join(cache, name + ".x.npy"),
            rng.standard_normal((1, 3, size, size)).astype(np.float32))
    return folded


def run(build_dir, target, model, x, out, repeat, options):
    cmd = [os.path.join(build_dir, "bin", "qc-run"), "--target=" + target, model,
           "--input", x, "--output", out, "--repeat", str(repeat)]
    if options:
        cmd.append("--pipeline-options=" + options)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit("qc-run --target=%s failed on %s:\n%s" % (target, model, proc.stderr[-3000:]))
    t = re.search(r"min ([\d.]+) ms.*median ([\d.]+) ms", proc.stdout)
    if not t:
        sys.exit("no timing in qc-run output:\n" + proc.stdout)
    return float(t.group(1)), float(t.group(2)), proc.stdout


def device_name(build_dir):
    info = subprocess.run(["vulkaninfo", "--summary"], capture_output=True, text=True).stdout
    names = re.findall(r"deviceName\s*=\s*(.*)", info)
    drivers = re.findall(r"driverInfo\s*=\s*(.*)", info)
    return "%s, %s" % (names[0].strip() if names else "?", drivers[0].strip() if drivers else "?")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--cache", default=os.path.join(ROOT, "build", "zoo"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--options", default="")
    parser.add_argument("models", nargs="*", default=list(MODELS))
    args = parser.parse_args()
    rows = []
    for name in args.models:
        model = build(name, args.cache, args.build)
        x = os.path.join(args.cache, name + ".x.npy")
        cpu_out = os.path.join(args.cache, name + ".cpu.npy")
        vk_out = os.path.join(args.cache, name + ".vulkan.npy")
        cpu_min, cpu_med, _ = run(args.build, "cpu", model, x, cpu_out, args.repeat, "")
        vk_min, vk_med, _ = run(args.build, "vulkan", model, x, vk_out, args.repeat, args.options)
        same = np.load(cpu_out).tobytes() == np.load(vk_out).tobytes()
        rows.append((name, vk_min, vk_med, cpu_min, cpu_med, vk_min / cpu_min,
                     "yes" if same else "NO"))
    print("Vulkan device: %s; options: '%s'; %d runs" % (device_name(args.build), args.options,
                                                         args.repeat))
    print("| model | Vulkan min ms | Vulkan median ms | qc CPU min ms | qc CPU median ms "
          "| Vulkan / CPU | bit-identical |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print("| %s | %.1f | %.1f | %.2f | %.2f | %.1fx | %s |" % row)
    if any(r[-1] != "yes" for r in rows):
        sys.exit("outputs differ between the CPU and Vulkan targets")


if __name__ == "__main__":
    main()
