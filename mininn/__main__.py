"""Command line: ``python -m mininn demo | train | gradcheck``.

``demo`` is the project's headline in one run: train the 2016 network, check
its gradients, then ask which input makes its output largest -- unconstrained
(the 2016 failure), projected, sigmoid-reparametrised and exact over the bits
-- and draw every path on the output landscape.

Every flag is checked while the command line is read, so a bad value ends
with the command's usage and a message naming the flag (exit code 2), and an
output path that cannot be written ends with one line -- both before any
training starts.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from typing import Callable, List, Optional

import numpy as np

from . import __version__, activations, datasets
from ._table import format_table
from .network import mlp
from .optim import SGD, Adam
from .training import fit

PROG = "python -m mininn"
DEFAULT_PNG = "mininn_demo.png"
ACTIVATIONS = sorted(activations.ACTIVATIONS)


# ---------------------------------------------------------------- helpers
def _fmt_x(x) -> str:
    return "[" + ", ".join(f"{v:7.3f}" for v in np.asarray(x, dtype=float)) + "]"


def train_2016(seed: int = 0, epochs: int = 5000):
    """The 2016 setup: 2-3-1 sigmoid, weights U[0,1), per-sample SGD, lr 0.1."""
    X, y = datasets.problem_2016()
    net = mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", init="uniform", seed=seed)
    history = fit(net, X, y, "mse", SGD(0.1), epochs=epochs, batch_size=1, seed=seed)
    return net, history, X, y


def start_2016(seed: int = 0) -> np.ndarray:
    """The 2016 start: a random point with x[0] = 1."""
    x0 = np.random.default_rng(seed).random(2)
    x0[0] = 1.0
    return x0


# ------------------------------------------------------------------- demo
def demo(seed: int = 0, out: Optional[str] = DEFAULT_PNG, steps: int = 1000,
         epochs: int = 5000) -> dict:
    """Run the 2016 pipeline end to end and print what happened. Returns the pieces."""
    from .gradcheck import check_network
    from .search import best_binary_input, maximize_input

    t0 = time.perf_counter()
    net, history, X, y = train_2016(seed, epochs)
    print(f"Trained the 2016 network (2-3-1 sigmoid, uniform init, per-sample SGD, lr 0.1, "
          f"{epochs} epochs, seed {seed}): final loss {history.loss[-1]:.2e}")
    out_corners = net.forward(X).ravel()
    print("\nOutputs at the corners (only [0, 1] should give 1):")
    print(format_table(("x", "target", "f(x)"),
                       [(_fmt_x(x), f"{t:g}", f"{f:.4f}") for x, t, f in zip(X, y, out_corners)]))

    report = check_network(net, X, y, "mse", seed=seed)
    print("\nGradient check (handwritten backward vs central differences):")
    print(report.summary())

    x0 = start_2016(seed)
    centre = np.array([0.5, 0.5])
    runs = {
        "none": maximize_input(net, 0, x0=x0, method="none", optimizer=SGD(0.1), steps=steps),
        "projected": maximize_input(net, 0, x0=x0, method="projected", optimizer=SGD(0.1),
                                    steps=steps),
        "sigmoid": maximize_input(net, 0, x0=centre, method="sigmoid", optimizer=SGD(0.1),
                                  steps=steps),
    }
    exact = best_binary_input(net, 0, method="exact")

    rows = []
    for name, res in runs.items():
        start = x0 if name != "sigmoid" else centre
        rows.append((name, _fmt_x(start), _fmt_x(res.x), f"{res.value:.4f}",
                     "yes" if res.inside[res.best] else "NO"))
    rows.append(("exact (bits)", "-", _fmt_x(exact.x), f"{exact.value:.4f}",
                 f"yes (certified: {exact.certified}, {exact.nodes} nodes)"))
    print(f"\nWhich input maximises f?  Gradient ascent on x, {steps} steps of SGD(0.1):")
    print(format_table(("method", "start", "final x", "f(x)", "inside [0,1]^2?"), rows))
    if not runs["none"].inside[runs["none"].best]:
        print("The unconstrained run left the unit square, as in 2016: the trained output keeps "
              "rising outside it.\nProjection (or the sigmoid map) keeps x inside; the exact "
              "search proves the best corner.")

    if out:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from .plotting import plot_landscape

        fig, ax = plt.subplots(figsize=(6.4, 5.6))
        plot_landscape(net, 0, results=[*runs.values(), exact],
                       labels=[*runs, "exact (bits)"], ax=ax, resolution=150,
                       title="2016 network: output landscape and input-search paths")
        fig.tight_layout()
        fig.savefig(out, dpi=110, bbox_inches="tight")
        plt.close(fig)
        print(f"\nFigure written to {os.path.abspath(out)}")
    print(f"Done in {time.perf_counter() - t0:.1f} s.")
    return {"net": net, "history": history, "report": report, "runs": runs, "exact": exact}


# ------------------------------------------------------------------ train
_DATASETS = {
    "2016": (datasets.problem_2016, "sigmoid"),
    "xor": (datasets.xor, "sigmoid"),
    "moons": (lambda: datasets.two_moons(200, seed=0), "sigmoid"),
    "parity3": (lambda: datasets.parity(3), "sigmoid"),
}


def train(dataset: str, hidden: int, activation: str, epochs: int, lr: float, seed: int,
          save: Optional[str]) -> None:
    """Train an mlp on a built-in data set with Adam and report loss and accuracy."""
    make, output = _DATASETS[dataset]
    X, y = make()
    net = mlp([X.shape[1], hidden, 1], hidden=activation, output=output, seed=seed)
    history = fit(net, X, y, "bce", Adam(lr), epochs=epochs, batch_size=32, seed=seed,
                  verbose=1)
    accuracy = np.mean((net.forward(X).ravel() > 0.5) == (y.ravel() > 0.5))
    print(net.summary())
    print(f"final loss {history.loss[-1]:.4g}, training accuracy {accuracy:.1%}")
    if save:
        net.save(save)
        print(f"saved to {save}")


def gradcheck_cli(sizes: List[int], activation: str, seed: int) -> int:
    """Check a random network's gradients and print the report; exit code 1 on failure."""
    from .gradcheck import check_input_gradient, check_network

    rng = np.random.default_rng(seed)
    net = mlp(sizes, hidden=activation, output="identity", seed=seed)
    X = rng.normal(size=(4, sizes[0]))
    y = rng.normal(size=(4, sizes[-1]))
    report = check_network(net, X, y, "mse", seed=seed)
    print(report.summary())
    inputs = check_input_gradient(net, 0, X=X)
    print(inputs.summary())
    return 0 if report.passed and inputs.passed else 1


# ------------------------------------------------------- checking the flags
def _integer(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer >= minimum (argparse names the flag in its error)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, "
                                             f"got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {value}")
        return value
    return parse


def _positive_float(text: str) -> float:
    """An argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def _figure_types() -> List[str]:
    from matplotlib.backend_bases import FigureCanvasBase
    return sorted("." + ext for ext in FigureCanvasBase.get_supported_filetypes())


def _path_problem(flag: str, path: str, extensions: List[str]) -> Optional[str]:
    """Why ``path`` cannot be written (checked before any work), or None."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in extensions:
        return (f"{flag} {path}: unsupported file type {ext or '(none)'!r}; "
                f"use {', '.join(extensions)}")
    if os.path.isdir(path):
        return f"{flag} {path}: is a folder, not a file name"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"{flag} {path}: folder {folder} does not exist"
    try:
        # A real write test: os.access says yes to root even where writing fails.
        with tempfile.TemporaryFile(dir=folder, prefix=".mininn-probe-"):
            pass
    except OSError as exc:
        return f"{flag} {path}: cannot write to folder {folder} ({exc.strerror or exc})"
    return None


class _Widths(argparse.Action):
    """``--sizes``: at least two widths (argparse calls this with the subcommand's parser)."""

    def __call__(self, parser, namespace, values, option_string=None):
        if len(values) < 2:
            parser.error(f"argument {option_string}: needs at least 2 widths (inputs and "
                         f"outputs), got {values}")
        setattr(namespace, self.dest, values)


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Subcommand help with its description as written, and every default shown."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=_Formatter,
        description="mininn: a pure-NumPy neural network library with handwritten gradients "
                    "and constrained input search.",
        epilog=f"Run '{PROG} COMMAND --help' for the flags of a command.")
    parser.add_argument("--version", action="version", version=f"mininn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "demo", formatter_class=_Formatter,
        help="train the 2016 network and find the input that maximises its output; write a PNG",
        description="Replay the 2016 question: train a 2-3-1 sigmoid network so that only "
                    "x = [0, 1] gives 1,\ncheck its gradients, then search the input that "
                    "maximises its output -- unconstrained\n(it leaves the unit square), "
                    "projected, sigmoid-reparametrised, and exact over the bits --\nand draw "
                    "every path on the output landscape.")
    p.add_argument("--out", default=DEFAULT_PNG, metavar="PATH",
                   help="where to write the figure (.png, .pdf, .svg, ...)")
    p.add_argument("--no-plot", action="store_true", help="skip the figure")
    p.add_argument("--seed", type=_integer(0), default=0, metavar="N",
                   help="seed (>= 0) of the weights, the shuffling and the 2016 start")
    p.add_argument("--steps", type=_integer(1), default=1000, metavar="N",
                   help="input-search steps (>= 1)")

    p = sub.add_parser(
        "train", formatter_class=_Formatter, help="train an mlp on a built-in data set",
        description="Train an mlp [inputs, --hidden, 1] with a sigmoid output, binary "
                    "cross-entropy and Adam\n(batches of 32) on a built-in data set; print "
                    "the network, the loss and the training accuracy.")
    p.add_argument("--dataset", choices=sorted(_DATASETS), default="xor",
                   help="the data set")
    p.add_argument("--hidden", type=_integer(1), default=8, metavar="N",
                   help="hidden units (>= 1)")
    p.add_argument("--activation", choices=ACTIVATIONS, default="tanh",
                   help="activation of the hidden layer")
    p.add_argument("--epochs", type=_integer(1), default=500, metavar="N",
                   help="passes over the data (>= 1)")
    p.add_argument("--lr", type=_positive_float, default=0.05, help="Adam's learning rate (> 0)")
    p.add_argument("--seed", type=_integer(0), default=0, metavar="N",
                   help="seed (>= 0) of the weights and the shuffling")
    p.add_argument("--save", default=None, metavar="PATH",
                   help="write the trained network to this .npz file")

    p = sub.add_parser(
        "gradcheck", formatter_class=_Formatter,
        help="check a random network's gradients against finite differences",
        description="Build a random mlp of the given widths and compare its handwritten "
                    "gradients (every\nparameter, and the input gradient of output 0) with "
                    "central differences.\nExit code 1 if a check fails.")
    p.add_argument("--sizes", type=_integer(1), nargs="+", default=[4, 8, 3], metavar="N",
                   action=_Widths,
                   help="layer widths, inputs first, at least two (each >= 1)")
    p.add_argument("--activation", choices=ACTIVATIONS, default="tanh",
                   help="activation of the hidden layers")
    p.add_argument("--seed", type=_integer(0), default=0, metavar="N",
                   help="seed (>= 0) of the weights and the data")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    # Output paths are checked before the work, so a typo costs no training run.
    path = None
    if args.command == "demo" and not args.no_plot:
        path = _path_problem("--out", args.out, _figure_types())
    elif args.command == "train" and args.save is not None:
        path = _path_problem("--save", args.save, [".npz"])
    if path is not None:
        print(f"{PROG} {args.command}: error: {path}", file=sys.stderr)
        return 2
    try:
        if args.command == "demo":
            demo(seed=args.seed, out=None if args.no_plot else args.out, steps=args.steps)
            return 0
        if args.command == "train":
            train(args.dataset, args.hidden, args.activation, args.epochs, args.lr, args.seed,
                  args.save)
            return 0
        return gradcheck_cli(args.sizes, args.activation, args.seed)
    except (ValueError, TypeError, OSError) as exc:
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except FloatingPointError as exc:     # training diverged: a result, not a usage error
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
