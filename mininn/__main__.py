"""Command line: ``python -m mininn demo | train | gradcheck``.

``demo`` is the project's headline in one run: train the 2016 network, check
its gradients, then ask which input makes its output 1 -- unconstrained (the
2016 failure), projected, sigmoid-reparametrised and exact over the bits --
and draw every path on the output landscape.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import List, Optional

import numpy as np

from . import __version__, datasets
from .network import mlp
from .optim import SGD, Adam
from .training import fit

DEFAULT_PNG = "mininn_demo.png"


# ---------------------------------------------------------------- helpers
def _fmt_x(x) -> str:
    return "[" + ", ".join(f"{v:7.3f}" for v in np.asarray(x, dtype=float)) + "]"


def _table(rows: List[tuple]) -> str:
    widths = [max(len(str(r[c])) for r in rows) for c in range(len(rows[0]))]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


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
    from .binary import best_binary_input
    from .gradcheck import check_network
    from .inputs import maximize_input

    t0 = time.perf_counter()
    net, history, X, y = train_2016(seed, epochs)
    print(f"Trained the 2016 network (2-3-1 sigmoid, uniform init, per-sample SGD, lr 0.1, "
          f"{epochs} epochs, seed {seed}): final loss {history.loss[-1]:.2e}")
    out_corners = net.forward(X).ravel()
    print("\nOutputs at the corners (only [0, 1] should give 1):")
    print(_table([("x", "target", "f(x)")] +
                 [(_fmt_x(x), f"{t:g}", f"{f:.4f}") for x, t, f in zip(X, y, out_corners)]))

    report = check_network(net, X, y, "mse")
    print("\nGradient check (handwritten backward vs central differences):")
    print(report.summary() if hasattr(report, "summary") else report)

    x0 = start_2016(seed)
    centre = np.array([0.5, 0.5])
    runs = {
        "none": maximize_input(net, x0=x0, method="none", optimizer=SGD(0.1), steps=steps),
        "projected": maximize_input(net, x0=x0, method="projected", optimizer=SGD(0.1), steps=steps),
        "sigmoid": maximize_input(net, x0=centre, method="sigmoid", optimizer=SGD(0.1), steps=steps),
    }
    exact = best_binary_input(net, output=0, method="exact")

    rows = [("method", "start", "final x", "f(x)", "inside [0,1]^2?")]
    for name, res in runs.items():
        start = x0 if name != "sigmoid" else centre
        rows.append((name, _fmt_x(start), _fmt_x(res.best_x), f"{res.best_value:.4f}",
                     "yes" if res.inside[res.best] else "NO"))
    rows.append(("exact (bits)", "-", _fmt_x(exact.x), f"{exact.value:.4f}",
                 f"yes (certified: {exact.certified}, {exact.nodes} nodes)"))
    print(f"\nWhich input maximises f?  Gradient ascent on x, {steps} steps of SGD(0.1):")
    print(_table(rows))
    if not runs["none"].inside[0]:
        print("The unconstrained run left the unit square, as in 2016: the trained output keeps "
              "rising outside it.\nProjection (or the sigmoid map) keeps x inside; the exact "
              "search proves the best corner.")

    if out:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from .plotting import plot_landscape

        fig, ax = plt.subplots(figsize=(6.4, 5.0))
        plot_landscape(net, results=list(runs.values()), labels=list(runs), ax=ax,
                       resolution=150, title="2016 network: output landscape and input-search paths")
        fig.tight_layout()
        folder = os.path.dirname(os.path.abspath(out))
        os.makedirs(folder, exist_ok=True)
        fig.savefig(out, dpi=110)
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
    accuracy = np.mean((net.forward(X).ravel() > 0.5) == (y > 0.5))
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
    report = check_network(net, X, y, "mse")
    print(report)
    inputs = check_input_gradient(net, X, output=0)
    print(inputs)
    return 0 if report.passed and inputs.passed else 1


# ------------------------------------------------------------------- main
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mininn",
        description="mininn: a pure-NumPy neural network library with handwritten gradients "
                    "and constrained input search.")
    parser.add_argument("--version", action="version", version=f"mininn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="train the 2016 network and find the input that maximises its output "
                                    "(unconstrained, projected, sigmoid, exact); write a PNG")
    p.add_argument("--out", default=DEFAULT_PNG, help=f"PNG path (default {DEFAULT_PNG})")
    p.add_argument("--no-plot", action="store_true", help="skip the figure")
    p.add_argument("--seed", type=int, default=0, help="seed of weights, shuffling and start")
    p.add_argument("--steps", type=int, default=1000, help="input-search steps (default 1000)")

    p = sub.add_parser("train", help="train an mlp on a built-in data set")
    p.add_argument("--dataset", choices=sorted(_DATASETS), default="xor")
    p.add_argument("--hidden", type=int, default=8, help="hidden units (default 8)")
    p.add_argument("--activation", default="tanh", help="hidden activation (default tanh)")
    p.add_argument("--epochs", type=int, default=500)
    p.add_argument("--lr", type=float, default=0.05, help="Adam learning rate")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save", default=None, help="write the trained network to this .npz")

    p = sub.add_parser("gradcheck", help="check a random network's gradients against "
                                         "finite differences")
    p.add_argument("--sizes", type=int, nargs="+", default=[4, 8, 3], help="layer widths")
    p.add_argument("--activation", default="tanh")
    p.add_argument("--seed", type=int, default=0)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "demo":
            if args.steps < 1:
                parser.error(f"--steps must be >= 1, got {args.steps}")
            demo(seed=args.seed, out=None if args.no_plot else args.out, steps=args.steps)
            return 0
        if args.command == "train":
            train(args.dataset, args.hidden, args.activation, args.epochs, args.lr, args.seed,
                  args.save)
            return 0
        return gradcheck_cli(args.sizes, args.activation, args.seed)
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
