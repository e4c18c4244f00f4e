"""Mask-preserving QAT fine-tuning with knowledge distillation (qc.finetune).

    from qc.training import finetune, export_onnx
    result = finetune(model, x, y, "pattern=2:4 bits=4")   # float or QAT nn.Module
    export_onnx(result.model, "model.onnx", x[:1])         # ONNX QDQ for qc

    python3 -m qc.training --model examples/train_digits.py:load_qat:mlp \\
        --data train.npz --recipe "pattern=2:4 bits=4" -o model.onnx

The model is compressed by the recipe (qc/compression.py: --qc-prune's
patterns and tie rule, int4 or int8 weights, k-means clusters, low-rank
factors), then trained with the masks applied and held fixed (pruned
weights exactly zero, their gradients zeroed), torch's fake quantization in
the loop (prepare_qat_fx with get_default_qat_qconfig_mapping("fbgemm"), the
qconfig qc's importers read; int4 layers get the same per-channel symmetric
weight fake quantization on [-8, 7]), and a loss of

    (1 - alpha) * CE(student, labels) + alpha * T^2 * KL(teacher_T || student_T)
    + feature_weight * sum_l MSE(student_l, teacher_l)

from the uncompressed teacher (Hinton et al. 2015; distill=False keeps only
the task loss). A validation split of the training data picks the best epoch
and stops early. docs/FineTuning.md has the details and the measurements.
"""
import argparse
import copy
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

from .onnx_export import ExportError, export_onnx
from .compression import (Clusters, Recipe, RecipeError, apply_low_rank, channel_keep,
                          compressible_layers, compute_masks, resolve)


class TrainingError(RuntimeError):
    """Training data or a training run that cannot go on (NaN loss, ...)."""


# -- quantization ---------------------------------------------------------------

def _fake_quants(model):
    return [m for m in model.modules() if isinstance(m, torch.ao.quantization.FakeQuantizeBase)]


def is_qat(model):
    return bool(_fake_quants(model))


def set_observers(model, enabled):
    for fq in _fake_quants(model):
        if enabled:
            fq.enable_observer()
        else:
            fq.disable_observer()


def int4_weight_fake_quant():
    """The fbgemm QAT weight fake quantization narrowed to int4: per-channel
    symmetric, codes [-8, 7] on qint8 storage."""
    from torch.ao.quantization.fake_quantize import FusedMovingAvgObsFakeQuantize
    from torch.ao.quantization.observer import MovingAveragePerChannelMinMaxObserver
    return FusedMovingAvgObsFakeQuantize.with_args(
        observer=MovingAveragePerChannelMinMaxObserver, quant_min=-8, quant_max=7,
        dtype=torch.qint8, qscheme=torch.per_channel_symmetric)


def _prepare(model, settings, example):
    from torch.ao.quantization import QConfig, get_default_qat_qconfig, get_default_qat_qconfig_mapping
    from torch.ao.quantization.quantize_fx import prepare_qat_fx
    mapping = get_default_qat_qconfig_mapping("fbgemm")
    int4 = QConfig(activation=get_default_qat_qconfig("fbgemm").activation, weight=int4_weight_fake_quant())
    for name, s in settings.items():
        if s["bits"] == 4:
            mapping.set_module_name(name, int4)
    return prepare_qat_fx(model.train(), mapping, (example,))


def _requantize_weights(model, settings):
    """An already prepared QAT model: int4 layers get the int4 weight fake
    quantization (the rest keep theirs)."""
    modules = dict(model.named_modules())
    for name, s in settings.items():
        fq = getattr(modules[name], "weight_fake_quant", None)
        if fq is None:
            raise RecipeError("recipe: layer '%s' has no weight fake quantization: was it prepared "
                              "with prepare_qat_fx?" % name)
        if s["bits"] == 4 and (fq.quant_min, fq.quant_max) != (-8, 7):
            modules[name].weight_fake_quant = int4_weight_fake_quant()()


def _fix_degenerate_scales(model):
    """A weight channel pruned entirely has a zero range, so its observer
    leaves scale = eps. Its codes are all 0 whatever the scale; give it the
    median scale of its layer so that the bias quantization and requantize
    multiplier qc derives from it stay ordinary numbers."""
    for _, module in compressible_layers(model):
        fq = getattr(module, "weight_fake_quant", None)
        if fq is None or not fq.is_per_channel:
            continue
        zero = module.weight.detach().reshape(module.weight.shape[0], -1).abs().amax(dim=1) == 0
        if zero.any():
            ok = fq.scale[~zero]
            fq.scale[zero] = float(ok.median()) if ok.numel() else 1.0


def _snap_biases(model):
    """Puts every bias on the i32 grid qc quantizes it to (scale s_in * s_w,
    half to even: docs/FoldFakeQuant.md), so that the compiled bias is the
    trained one. It moves a bias by at most half of s_in * s_w, far below an
    output step, and removes one source of 1-step differences between the
    compiled model and torch's fake-quant model."""
    graph = getattr(model, "graph", None)
    if graph is None:
        return
    # remove_duplicate=False: prepare_qat_fx shares one fake quantization
    # between ops that keep their input's parameters (flatten).
    modules = dict(model.named_modules(remove_duplicate=False))
    for node in graph.nodes:
        layer = modules.get(node.target) if node.op == "call_module" else None
        if layer is None or not is_layer_with_bias(layer) or not node.args:
            continue
        src = node.args[0]
        fq = modules.get(src.target) if getattr(src, "op", None) == "call_module" else None
        if not isinstance(fq, torch.ao.quantization.FakeQuantizeBase) or fq.is_per_channel:
            continue
        wfq = layer.weight_fake_quant
        step = float(fq.scale) * wfq.scale.detach().double().reshape(-1)
        with torch.no_grad():
            b = layer.bias.detach().double()
            layer.bias.copy_((torch.round(b / step) * step).float())


def is_layer_with_bias(module):
    return (isinstance(module, (torch.nn.Linear, torch.nn.Conv2d)) and module.bias is not None
            and getattr(module, "weight_fake_quant", None) is not None)


# -- compression held fixed ---------------------------------------------------

class Compressed:
    """The masks and clusters of a student, re-applied after every step."""

    def __init__(self, model, settings):
        self.modules = dict(model.named_modules())
        self.masks = compute_masks(settings, model)
        self.bias_keep = {name: channel_keep(keep) for name, keep in self.masks.items()
                          if self.modules[name].bias is not None}
        self.clusters = {}
        self.project()  # the clusters are found among the kept weights
        for name, s in settings.items():
            if s["clusters"] is not None:
                w = self.modules[name].weight
                keep = self.masks.get(name, torch.ones(w.shape, dtype=torch.bool))
                try:
                    self.clusters[name] = Clusters(w, keep, s["clusters"])
                except RecipeError as e:
                    raise RecipeError("recipe: layer '%s': %s" % (name, e))
        self.project()

    def mask_gradients(self):
        for name, keep in self.masks.items():
            w = self.modules[name].weight
            if w.grad is not None:
                w.grad.masked_fill_(~keep, 0.0)
            if name in self.bias_keep and self.modules[name].bias.grad is not None:
                self.modules[name].bias.grad.masked_fill_(~self.bias_keep[name], 0.0)

    def project(self):
        """Pruned weights (and the biases of removed channels) to +0.0,
        clustered weights to their centroids."""
        with torch.no_grad():
            for name, keep in self.masks.items():
                self.modules[name].weight.masked_fill_(~keep, 0.0)
                if name in self.bias_keep:
                    self.modules[name].bias.masked_fill_(~self.bias_keep[name], 0.0)
            for name, c in self.clusters.items():
                c.apply(self.modules[name].weight)

    def check(self, model):
        modules = dict(model.named_modules())
        for name, keep in self.masks.items():
            if torch.any(modules[name].weight.detach()[~keep] != 0):
                raise TrainingError("layer '%s': a pruned weight is not zero" % name)


# -- data and evaluation -----------------------------------------------------------

def _tensors(x, y, what):
    if x is None or y is None:
        raise TrainingError("%s: missing inputs or labels" % what)
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    y = torch.as_tensor(np.asarray(y)).long()
    if len(x) == 0:
        raise TrainingError("%s: no samples" % what)
    if y.ndim != 1 or len(y) != len(x):
        raise TrainingError("%s: %d inputs but labels of shape %s" % (what, len(x), tuple(y.shape)))
    if not torch.isfinite(x).all():
        raise TrainingError("%s: inputs contain NaN or Inf" % what)
    return x, y


def predict(model, x, batch_size=256):
    """Logits of `model` in eval mode with observers off (numpy)."""
    model.eval()
    set_observers(model, False)
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    with torch.no_grad():
        return torch.cat([model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]).numpy()


def accuracy(model, x, y):
    return float(np.mean(predict(model, x).argmax(1) == np.asarray(y)))


class _Features:
    """Outputs of named submodules, recorded by forward hooks."""

    def __init__(self, model, names, role):
        modules = dict(model.named_modules())
        self.values, self.handles = {}, []
        for name in names:
            if name not in modules:
                quant = (torch.ao.quantization.FakeQuantizeBase, torch.ao.quantization.ObserverBase)
                raise RecipeError("feature '%s' is not a module of the %s (modules: %s)" % (
                    name, role, ", ".join(n for n, m in modules.items() if n and not isinstance(m, quant))))
            self.handles.append(modules[name].register_forward_hook(self._hook(name)))

    def _hook(self, name):
        def record(_, __, out):
            self.values[name] = out
        return record

    def remove(self):
        for h in self.handles:
            h.remove()


class Result:
    """model: the fine-tuned QAT GraphModule (eval, observers frozen);
    masks: {layer: bool tensor, True = kept}; settings: the resolved recipe;
    history: one dict per epoch (epoch 0 = before training); best_epoch."""

    def __init__(self, model, masks, settings, history, best_epoch):
        self.model, self.masks, self.settings = model, masks, settings
        self.history, self.best_epoch = history, best_epoch


def _split(n, fraction, gen):
    if not 0.0 < fraction < 1.0:
        raise TrainingError("val_fraction %g outside (0, 1)" % fraction)
    n_val = max(1, int(round(n * fraction)))
    if n_val >= n:
        raise TrainingError("%d training samples leave nothing to train on after a validation split of %d" % (n, n_val))
    perm = torch.randperm(n, generator=gen)
    return perm[n_val:], perm[:n_val]


def finetune(model, x, y, recipe="pattern=none", teacher=None, distill=True, temperature=4.0, alpha=0.7,
             features=(), feature_weight=1.0, epochs=100, batch_size=32, lr=1e-3, val_fraction=0.1,
             patience=15, observe=True, seed=0, log=print):
    """Compresses `model` (a float nn.Module or a prepare_qat_fx GraphModule,
    left unchanged) by `recipe` (a Recipe or its text) and fine-tunes it on
    (x, y). Returns a Result. The teacher defaults to the uncompressed model."""
    recipe = recipe if isinstance(recipe, Recipe) else Recipe.parse(recipe)
    x, y = _tensors(x, y, "training data")
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    train_idx, val_idx = _split(len(x), val_fraction, gen)
    example = x[:1]
    qat_input = is_qat(model)
    teacher = copy.deepcopy(model if teacher is None else teacher).eval()
    set_observers(teacher, False)

    settings = resolve(recipe, model, log)
    factored = [n for n, s in settings.items() if s["rank"] is not None]
    if factored and qat_input:
        raise RecipeError("recipe: rank for %s: low-rank factorization changes the graph that prepare_qat_fx "
                          "traced; pass the float model" % ", ".join(factored))
    student = apply_low_rank(model, settings) if factored else copy.deepcopy(model)
    settings = resolve(recipe, student, lambda _: None, factored)
    if qat_input:
        _requantize_weights(student, settings)
    else:
        student = _prepare(student, settings, example)
        settings = {n: settings[n] for n, _ in compressible_layers(student)}
    compressed = Compressed(student, settings)

    # Observe the compressed weights, and the activations on the training
    # split (a float model's calibration), before the first evaluation.
    student.train()
    with torch.no_grad():
        if observe or not qat_input:
            set_observers(student, True)
            for i in range(0, len(train_idx), 256):
                student(x[train_idx[i:i + 256]])
        else:
            for _, module in compressible_layers(student):
                module.weight_fake_quant.enable_observer()
                module.weight_fake_quant(module.weight)
                module.weight_fake_quant.disable_observer()

    set_observers(student, False)
    compressed.project()
    with torch.no_grad():
        t_out, s_out = teacher(x[:2]), student.eval()(x[:2])
    if t_out.shape != s_out.shape:
        raise RecipeError("teacher outputs %s but the model outputs %s" % (list(t_out.shape), list(s_out.shape)))
    if s_out.ndim != 2 or int(y.min()) < 0 or int(y.max()) >= s_out.shape[1]:
        raise TrainingError("labels must be class indices in [0, %d) for outputs of shape %s; they span [%d, %d]" % (
            s_out.shape[-1], list(s_out.shape), int(y.min()), int(y.max())))

    t_feats = _Features(teacher, features, "teacher")
    s_feats = _Features(student, features, "model")
    t_logits, t_feat_all = [], {name: [] for name in features}
    with torch.no_grad():
        for i in range(0, len(x), 256):
            t_logits.append(teacher(x[i:i + 256]))
            for name in features:
                t_feat_all[name].append(t_feats.values[name])
    t_logits = torch.cat(t_logits)
    if distill and not torch.isfinite(t_logits).all():
        bad = int((~torch.isfinite(t_logits)).any(dim=1).sum())
        raise TrainingError("the teacher's outputs are NaN or Inf on %d of %d training inputs" % (bad, len(x)))
    t_feat_all = {name: torch.cat(v) for name, v in t_feat_all.items()}
    t_feats.remove()

    def evaluate(idx):
        logits = torch.as_tensor(predict(student, x[idx]))
        return float(F.cross_entropy(logits, y[idx])), float((logits.argmax(1) == y[idx]).float().mean())

    val_loss, val_acc = evaluate(val_idx)
    history = [{"epoch": 0, "val_loss": val_loss, "val_accuracy": val_acc}]
    log("epoch %3d/%d  val loss %.4f  val acc %6.2f%%  (compressed, before fine-tuning)" % (
        0, epochs, val_loss, 100 * val_acc))
    best, best_state, best_epoch, waited = val_loss, copy.deepcopy(student.state_dict()), 0, 0
    opt = torch.optim.Adam(student.parameters(), lr=lr)
    for epoch in range(1, epochs + 1):
        student.train()
        set_observers(student, observe)
        perm = train_idx[torch.randperm(len(train_idx), generator=gen)]
        totals, correct = np.zeros(3), 0
        for b, i in enumerate(range(0, len(perm), batch_size)):
            idx = perm[i:i + batch_size]
            out = student(x[idx])
            task = F.cross_entropy(out, y[idx])
            kd = feat = torch.zeros(())
            if distill:
                kd = F.kl_div(F.log_softmax(out / temperature, 1), F.log_softmax(t_logits[idx] / temperature, 1),
                              reduction="batchmean", log_target=True) * temperature ** 2
                for name in features:
                    got, want = s_feats.values[name], t_feat_all[name][idx]
                    if got.shape != want.shape:
                        raise RecipeError("feature '%s': the model gives %s, the teacher %s" % (
                            name, list(got.shape), list(want.shape)))
                    feat = feat + F.mse_loss(got, want)
                loss = (1 - alpha) * task + alpha * kd + feature_weight * feat
            else:
                loss = task
            if not torch.isfinite(loss):
                raise TrainingError("epoch %d, batch %d: the loss is %s (task %s, distillation %s, features %s); "
                                    "lower the learning rate (%g)" % (epoch, b, float(loss), float(task),
                                                                      float(kd), float(feat), lr))
            opt.zero_grad()
            loss.backward()
            compressed.mask_gradients()
            opt.step()
            compressed.project()
            totals += [float(loss) * len(idx), float(task) * len(idx), float(kd) * len(idx)]
            correct += int((out.argmax(1) == y[idx]).sum())
        n = len(perm)
        val_loss, val_acc = evaluate(val_idx)
        improved = val_loss < best
        history.append({"epoch": epoch, "loss": totals[0] / n, "task_loss": totals[1] / n,
                        "distill_loss": totals[2] / n, "train_accuracy": correct / n,
                        "val_loss": val_loss, "val_accuracy": val_acc})
        log("epoch %3d/%d  loss %.4f (task %.4f%s)  train acc %6.2f%%  val loss %.4f  val acc %6.2f%%%s" % (
            epoch, epochs, totals[0] / n, totals[1] / n, ", distill %.4f" % (totals[2] / n) if distill else "",
            100 * correct / n, val_loss, 100 * val_acc, "  *" if improved else ""))
        if improved:
            best, best_state, best_epoch, waited = val_loss, copy.deepcopy(student.state_dict()), epoch, 0
        else:
            waited += 1
            if waited >= patience:
                log("early stop: no lower validation loss for %d epochs; best epoch %d" % (
                    patience, best_epoch))
                break
    s_feats.remove()
    student.load_state_dict(best_state)
    student.eval()
    set_observers(student, False)
    _fix_degenerate_scales(student)
    _snap_biases(student)
    compressed.check(student)
    return Result(student, compressed.masks, settings, history, best_epoch)



# -- command line -----------------------------------------------------------------

def load_module(spec):
    """An nn.Module from 'file.pt' (torch.save of a module, e.g. a QAT
    GraphModule) or 'file.py:function[:arg,...]' (the function's result)."""
    import importlib.util
    path, _, rest = spec.partition(":") if spec.count(":") and not os.path.exists(spec) else (spec, "", "")
    if not os.path.exists(path):
        raise TrainingError("model '%s': no such file" % path)
    if path.endswith(".py"):
        if not rest:
            raise TrainingError("model '%s': name the function that builds it: %s:FUNCTION[:ARG,...]" % (spec, path))
        fn, _, args = rest.partition(":")
        name = "qc_model_" + os.path.splitext(os.path.basename(path))[0]
        module_spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(module_spec)
        sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
        try:
            module_spec.loader.exec_module(module)
        finally:
            sys.path.pop(0)
        if not hasattr(module, fn):
            raise TrainingError("model '%s': %s has no function '%s'" % (spec, path, fn))
        model = getattr(module, fn)(*[a for a in args.split(",") if a])
    else:
        try:
            model = torch.load(path)
        except Exception as e:  # torch raises pickle, zip and runtime errors
            raise TrainingError("model '%s': cannot load it with torch.load: %s" % (path, e))
    if not isinstance(model, torch.nn.Module):
        raise TrainingError("model '%s' is a %s, not a torch.nn.Module" % (spec, type(model).__name__))
    return model


def load_data(path, x_path=None, y_path=None):
    """(x, y) from an .npz with arrays 'x' and 'y', or from two .npy files."""
    try:
        if path:
            with np.load(path) as data:
                missing = [k for k in ("x", "y") if k not in data.files]
                if missing:
                    raise TrainingError("data '%s' has no array %s (it has: %s)" % (
                        path, " or ".join(repr(k) for k in missing), ", ".join(data.files) or "nothing"))
                return data["x"], data["y"]
        if not (x_path and y_path):
            raise TrainingError("no training data: give --data FILE.npz or --x X.npy and --y Y.npy")
        return np.load(x_path), np.load(y_path)
    except (OSError, ValueError) as e:
        raise TrainingError("cannot read the training data: %s" % e)


def _atomic_save(obj, path):
    fd, tmp = tempfile.mkstemp(suffix=".pt", dir=os.path.dirname(os.path.abspath(path)))
    os.close(fd)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m qc.training",
                                 description="Compress a torch model by a recipe and fine-tune it with fixed masks, "
                                             "fake quantization and distillation; write ONNX QDQ for qc.")
    ap.add_argument("--model", required=True, help="file.pt (torch.save of a module) or file.py:FUNCTION[:ARG,...]")
    ap.add_argument("--teacher", help="as --model (default: the uncompressed model)")
    ap.add_argument("--data", help=".npz with arrays x (inputs) and y (labels)")
    ap.add_argument("--x", help="inputs .npy (with --y)")
    ap.add_argument("--y", help="labels .npy (with --x)")
    ap.add_argument("--recipe", default="pattern=none", help="e.g. 'pattern=2:4 bits=4' (docs/FineTuning.md)")
    ap.add_argument("-o", "--output", required=True, help="the ONNX QDQ model to write")
    ap.add_argument("--save", help="also torch.save the fine-tuned QAT GraphModule's state_dict here "
                                   "(torch 1.13 cannot pickle QAT GraphModules)")
    ap.add_argument("--no-distill", action="store_true", help="task loss only")
    ap.add_argument("--temperature", type=float, default=4.0)
    ap.add_argument("--alpha", type=float, default=0.7, help="weight of the distillation loss")
    ap.add_argument("--features", default="", help="comma-separated modules whose outputs are distilled too")
    ap.add_argument("--feature-weight", type=float, default=1.0)
    ap.add_argument("--epochs", type=int, default=100, help="at most (early stopping)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--val-fraction", type=float, default=0.1)
    ap.add_argument("--patience", type=int, default=15,
                    help="stop after this many epochs without a lower validation loss")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    try:
        model = load_module(args.model)
        teacher = load_module(args.teacher) if args.teacher else None
        x, y = load_data(args.data, args.x, args.y)
        result = finetune(model, x, y, args.recipe, teacher=teacher, distill=not args.no_distill,
                          temperature=args.temperature, alpha=args.alpha,
                          features=[f for f in args.features.split(",") if f], feature_weight=args.feature_weight,
                          epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                          val_fraction=args.val_fraction, patience=args.patience, seed=args.seed)
        export_onnx(result.model, args.output, np.asarray(x[:1], dtype=np.float32))
        if args.save:
            _atomic_save(result.model.state_dict(), args.save)
    except (RecipeError, TrainingError, ExportError) as e:
        print("qc-finetune: error: %s" % e, file=sys.stderr)
        return 1
    print("wrote %s (best epoch %d)" % (args.output, result.best_epoch))
    return 0


if __name__ == "__main__":
    sys.exit(main())
