"""The command line of mixed precision (`python3 -m qc.calibration ...
--mixed-precision`, docs/MixedPrecision.md): its options and the choice
they make, printed on stderr."""
import sys

from . import mixed_precision as mp
from . import mixed_precision_budget as budgets

DEFAULT_VALIDATION = 0.25

OPTIONS = ("--error-budget, --size-budget, --max-weight-bits, --mixed-activations, --joint-evals, "
           "--validation-fraction, --latency-table and --latency-budget")


def add_arguments(ap):
    ap.add_argument("--mixed-precision", action="store_true",
                    help="4-, 8- or 16-bit weights (and activations) per layer by measured "
                         "sensitivity (docs/MixedPrecision.md)")
    ap.add_argument("--error-budget", type=float,
                    help="with --mixed-precision: the largest output error increase a 4-bit layer may add")
    ap.add_argument("--size-budget", type=int,
                    help="with --mixed-precision: the weight bytes to fit in (plus one sample's "
                         "activation bytes with --mixed-activations)")
    ap.add_argument("--max-weight-bits", type=int, default=8, choices=(8, 16),
                    help="with --mixed-precision: 16 lets layers whose 8-bit weights cost too much "
                         "go to 16 bits")
    ap.add_argument("--mixed-activations", nargs="?", const="layers", choices=("layers", "all"),
                    help="with --mixed-precision: choose each layer's output activation width "
                         "(4, 8 or 16 bits) too (=all: the graph inputs', the add and average "
                         "pool outputs' and the layer norm and softmax inputs' too); a size budget "
                         "then counts one sample's activation bytes too")
    ap.add_argument("--joint-evals", type=int, default=0,
                    help="with --size-budget or --latency-budget: improve the greedy pick by a "
                         "joint search of at most this many model evaluations")
    ap.add_argument("--validation-fraction", type=float,
                    help="with --mixed-precision: the share of the sample batches held out "
                         "(deterministic: evenly spread, the last one included) to report the "
                         "chosen widths' error on, and to choose among the joint search's Pareto "
                         "points by; default %g where there are 2 or more batches, 0 (none) "
                         "otherwise" % DEFAULT_VALIDATION)
    ap.add_argument("--latency-table",
                    help="with --mixed-precision: json per-row cost table (benchmarks/"
                         "mixed_precision_latency.py --cost-table); its latency is reported")
    ap.add_argument("--latency-budget", type=float,
                    help="with --latency-table: the latency (the table's unit) to fit in, alone "
                         "or with --size-budget")


def used(args):
    """Whether a mixed-precision option other than --mixed-precision was given."""
    return (args.error_budget is not None or args.size_budget is not None or args.max_weight_bits != 8
            or args.mixed_activations or args.joint_evals or args.validation_fraction is not None
            or args.latency_table is not None or args.latency_budget is not None)


def row_names(graph, activations):
    """The names of the sensitivity table's rows, without measuring."""
    names = [n for n, _ in mp.layers(graph)]
    if activations:
        acts = list(names) + (mp.activation_values(graph) if activations == "all" else [])
        names += [a + mp.ACT_SUFFIX for a in acts]
    return names


def choose(graph, samples, args, common):
    """qc.calibration's --mixed-precision: the table, the pick (and the joint
    search) printed on stderr; (weight bits, activation bits, the samples to
    calibrate the result on: the search part when some are held out)."""
    if args.latency_budget is not None and args.latency_table is None:
        raise ValueError("--latency-budget needs --latency-table")
    if args.latency_budget is not None and args.error_budget is not None:
        raise ValueError("--latency-budget goes with --size-budget or alone, not with --error-budget")
    if args.joint_evals and args.size_budget is None and args.latency_budget is None:
        raise ValueError("--joint-evals goes with --size-budget or --latency-budget")
    if args.joint_evals < 0:
        raise ValueError("--joint-evals %d: must be positive" % args.joint_evals)
    if args.error_budget is None and args.size_budget is None and args.latency_budget is None:
        raise ValueError("mixed precision: give one of error_budget and size_budget (and / or "
                         "latency_budget)")
    fraction = args.validation_fraction
    if fraction is None:
        fraction = DEFAULT_VALIDATION if len(samples) >= 2 else 0.0
        if not fraction:
            print("qc-calibrate: mixed precision: 1 batch of samples, none held out "
                  "(--validation-fraction needs 2 or more batches)", file=sys.stderr)
    search_part, held = budgets.split_samples(samples, fraction)
    activations = {None: False, "layers": True}.get(args.mixed_activations, "all")
    latency = None
    if args.latency_table is not None:
        latency = budgets.load_latency_table(args.latency_table)
        budgets.check_names(latency, row_names(graph, activations))
    table = mp.sensitivity(graph, search_part, wide=args.max_weight_bits == 16,
                           activations=activations, validation=held, **common)
    chosen = mp.select(table, args.error_budget, args.size_budget, latency, args.latency_budget)
    steps = None
    if args.joint_evals:
        chosen, steps = mp.search(graph, search_part, table, args.size_budget,
                                  max_evals=args.joint_evals, latency=latency,
                                  latency_budget=args.latency_budget, validation=held, **common)
    ev = mp.Evaluator(graph, search_part, validation=held, **common)
    summary = ["chosen: error %.5f on %d search batch(es)%s" % (
        ev(chosen), len(search_part),
        ", %.5f on %d held-out batch(es)" % (ev.held_out(chosen), len(held)) if held else "")]
    if latency is not None:
        all8 = {r["name"]: 8 for r in table}
        summary.append("latency (%s): all 8 bits %.4g, chosen %.4g%s" % (
            latency["unit"], budgets.latency_of(latency, all8), budgets.latency_of(latency, chosen),
            "" if args.latency_budget is None else ", budget %g" % args.latency_budget))
    print(mp.format_table(table, chosen, summary), file=sys.stderr)
    if steps:
        print(mp.format_steps(steps, args.joint_evals), file=sys.stderr)
    weights, acts = mp.split(chosen)
    return weights, acts, search_part
