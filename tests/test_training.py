"""fit: convergence on the 2016 problem and XOR, reproducibility, divergence, bad input."""
from __future__ import annotations

import numpy as np
import pytest

import mininn
from mininn import datasets
from mininn.training import History, fit


def train_2016(seed):
    X, y = datasets.problem_2016()
    net = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", init="uniform", seed=seed)
    history = fit(net, X, y, "mse", mininn.SGD(0.1), epochs=5000, batch_size=1, seed=seed)
    return net, history


@pytest.mark.parametrize("seed", [0, 1])
def test_2016_problem_trains(seed):
    net, history = train_2016(seed)
    X, _ = datasets.problem_2016()
    out = net.forward(X).ravel()            # rows: [0,1], [1,0], [1,1], [0,0]
    assert out[0] > 0.9
    assert np.all(out[1:] < 0.1)
    assert history.epochs == 5000 and history.loss[-1] < history.loss[0]


def test_xor_trains_below_0_01():
    X, y = datasets.xor()
    net = mininn.mlp([2, 8, 1], hidden="tanh", output="sigmoid", seed=0)
    history = fit(net, X, y, mininn.BinaryCrossEntropy(), mininn.Adam(0.05), epochs=600,
                  batch_size=None, seed=0)
    final = mininn.MSE().forward(net.forward(X), y)
    assert history.loss[-1] < 0.01 and final < 0.01


def test_softmax_classification_with_integer_labels():
    X, y = datasets.two_moons(200, noise=0.1, seed=0)
    net = mininn.mlp([2, 16, 2], hidden="relu", init="he", seed=0)
    fit(net, X, y.astype(int), "softmax_cross_entropy", mininn.Adam(0.02), epochs=150,
        batch_size=32, seed=0)
    accuracy = np.mean(net.forward(X).argmax(axis=1) == y)
    assert accuracy > 0.95


def test_same_seed_same_weights_bit_for_bit():
    a, _ = train_2016(3)
    b, _ = train_2016(3)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p, q)
    c = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", init="uniform", seed=3)
    X, y = datasets.problem_2016()
    fit(c, X, y, "mse", mininn.SGD(0.1), epochs=5000, batch_size=1, seed=4)   # other shuffles
    assert not np.array_equal(a.parameters()[0], c.parameters()[0])


def test_full_batch_gradient_step_by_hand():
    """One full-batch SGD step equals W - lr * dL/dW computed through backward."""
    X, y = datasets.xor()
    net = mininn.mlp([2, 3, 1], hidden="tanh", seed=0)
    twin = mininn.mlp([2, 3, 1], hidden="tanh", seed=0)
    loss = mininn.MSE()
    loss.forward(twin.forward(X), y)
    twin.backward(loss.backward())
    expected = [p - 0.3 * g for p, g in zip(twin.parameters(), twin.gradients())]
    fit(net, X, y, "mse", mininn.SGD(0.3), epochs=1, batch_size=None, shuffle=False)
    for p, e in zip(net.parameters(), expected):
        np.testing.assert_allclose(p, e, rtol=1e-15, atol=1e-15)


def test_validation_loss_and_history():
    X, y = datasets.two_moons(100, seed=1)
    net = mininn.mlp([2, 8, 1], output="sigmoid", seed=0)
    history = fit(net, X[:80], y[:80], "bce", mininn.Adam(0.01), epochs=20, seed=0,
                  validation_data=(X[80:], y[80:]))
    assert isinstance(history, History)
    assert len(history.loss) == len(history.val_loss) == 20
    expected = mininn.BinaryCrossEntropy().forward(net.forward(X[80:]), y[80:])
    assert history.val_loss[-1] == pytest.approx(expected, rel=1e-12)
    assert "20 epochs" in repr(history)


def test_verbose_prints_compact_lines(capsys, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):          # pretend tqdm is not installed
        if name.startswith("tqdm"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    X, y = datasets.xor()
    fit(mininn.mlp([2, 2, 1], seed=0), X, y, epochs=50, batch_size=None, verbose=1)
    lines = capsys.readouterr().out.strip().splitlines()
    assert 10 <= len(lines) <= 12 and lines[-1].startswith("epoch 50/50  loss")
    fit(mininn.mlp([2, 2, 1], seed=0), X, y, epochs=5, batch_size=None, verbose=0)
    assert capsys.readouterr().out == ""


def test_divergence_stops_with_epoch_and_advice():
    X = np.array([[1e3, -1e3], [2e3, 5e2]])
    y = np.array([1.0, -1.0])
    net = mininn.mlp([2, 4, 1], hidden="identity", seed=0)
    with pytest.raises(FloatingPointError, match=r"epoch \d+.*smaller learning rate"):
        with np.errstate(over="ignore", invalid="ignore"):
            fit(net, X, y, "mse", mininn.SGD(1.0), epochs=100, batch_size=None)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(X=np.zeros((4, 3))), ValueError, "X must have 2 features"),
    (dict(X=np.array([[np.nan, 0.0]] * 4)), ValueError, "X must be finite"),
    (dict(y=np.zeros(3)), ValueError, "same number of samples"),
    (dict(y=np.array([np.inf, 0, 0, 0])), ValueError, "y.*finite"),
    (dict(epochs=0), ValueError, "epochs"),
    (dict(epochs=2.5), TypeError, "epochs"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(loss="hinge"), ValueError, "loss"),
    (dict(optimizer="sgd"), TypeError, "optimizer"),
    (dict(net="net"), TypeError, "net"),
    (dict(validation_data=np.zeros(3)), TypeError, "validation_data"),
    (dict(validation_data=(np.zeros((2, 5)), np.zeros(2))), ValueError, "validation_data X"),
    (dict(verbose=7), ValueError, "verbose"),
    (dict(seed="x"), TypeError, "seed"),
])
def test_fit_bad_input(kwargs, exc, match):
    X, y = datasets.problem_2016()
    args = dict(net=mininn.mlp([2, 3, 1], seed=0), X=X, y=y, epochs=2)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        fit(**args)


def test_history_summary_and_html_come_from_one_table():
    X, y = datasets.xor()
    history = fit(mininn.mlp([2, 2, 1], seed=0), X, y, epochs=30, batch_size=None, seed=0,
                  validation_data=(X, y))
    text = history.summary()
    assert text.startswith("History: 30 epochs") and "val_loss" in text
    assert f"{history.loss[-1]:.6g}" in text                 # the last epoch is shown
    assert len(text.splitlines()) < 20                       # not one row per epoch
    html = history._repr_html_()
    assert "<table>" in html and f"{history.loss[-1]:.6g}" in html


class _Scale(mininn.Layer):
    """y = x * a, with a backward that can be made to misbehave."""

    def __init__(self, n, grads):
        super().__init__()
        self.params = {"a": np.ones(n)}
        self._grads = grads

    def forward(self, x):
        self._x = x
        return x * self.params["a"]

    def backward(self, dy):
        self.grads = self._grads(dy * self._x)
        return dy * self.params["a"]


@pytest.mark.parametrize("grads, match", [
    (lambda g: {}, r"layers\[1\].*\ba\b"),                            # before: KeyError 'a'
    (lambda g: {"a": g.sum()[None]}, r"1\._Scale\.a.*shape"),          # before: broadcast
])
def test_a_layer_with_missing_or_misshapen_grads_gets_a_clear_error(grads, match):
    X, y = datasets.problem_2016()
    net = mininn.Sequential([mininn.Dense(2, 3, seed=0), _Scale(3, grads), mininn.Dense(3, 1, seed=1)])
    with pytest.raises(ValueError, match=match):
        fit(net, X, y, epochs=2, seed=0)


@pytest.mark.parametrize("kwargs, name", [
    (dict(loss=mininn.MSE), r"MSE\(\)"),
    (dict(loss=mininn.BinaryCrossEntropy), r"BinaryCrossEntropy\(\)"),
    (dict(optimizer=mininn.SGD), r"SGD\("),
    (dict(optimizer=mininn.Adam), r"Adam\("),
])
def test_passing_a_class_asks_for_an_instance(kwargs, name):
    # before: a confusing TypeError about a missing positional argument
    X, y = datasets.problem_2016()
    with pytest.raises(TypeError, match=r"instance.*" + name):
        fit(mininn.mlp([2, 3, 1], seed=0), X, y, epochs=1, **kwargs)


def test_divergence_hidden_by_a_clipped_loss_is_caught_from_the_parameters():
    # before: BCE on probabilities clips p, so with lr 1e300 the loss stayed
    # finite (7.05) while the weights ran off to ~1e299, and fit returned
    X, y = datasets.problem_2016()
    net = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", seed=0)
    with pytest.raises(FloatingPointError, match=r"parameter .*smaller learning rate"):
        fit(net, X, y, "bce", mininn.SGD(1e300), epochs=3, batch_size=None)


def test_nan_targets_are_refused_by_fit():
    X, y = datasets.problem_2016()
    with pytest.raises(ValueError, match=r"\by\b.*finite"):
        fit(mininn.mlp([2, 3, 1], seed=0), X, np.array([1.0, np.nan, 0, 0]), epochs=1)
    with pytest.raises(ValueError, match=r"\by\b.*\[0, 1\]"):
        fit(mininn.mlp([2, 3, 1], output="sigmoid", seed=0), X, 2 * y, "bce", epochs=1)


def test_fit_calls_overridden_step_and_forward_on_every_update():
    # fit checks shapes once and then calls the unchecked internals (_step, _forward) --
    # but only of mininn's own methods: a subclass that overrides step or forward must
    # see every single call.
    class CountingSGD(mininn.SGD):
        calls = 0

        def step(self, params, grads):
            CountingSGD.calls += 1
            super().step(params, grads)

    class CountingMSE(mininn.MSE):
        calls = 0

        def forward(self, pred, target):
            CountingMSE.calls += 1
            return super().forward(pred, target)

    X, y = mininn.datasets.problem_2016()
    net = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", seed=0)
    mininn.fit(net, X, y, CountingMSE(), CountingSGD(0.1), epochs=3, batch_size=1, seed=0)
    assert CountingSGD.calls == 12 and CountingMSE.calls == 12


def test_fit_with_unchecked_steps_trains_like_checked_steps():
    # the same updates, bit for bit, whether every step is checked or only the first
    X, y = mininn.datasets.problem_2016()
    a = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", seed=3)
    b = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", seed=3)
    mininn.fit(a, X, y, "mse", mininn.SGD(0.1), epochs=20, batch_size=1, seed=1)
    opt = mininn.SGD(0.1)
    rng = np.random.default_rng(1)           # fit's shuffling with seed=1
    loss = mininn.MSE()
    for _ in range(20):
        order = rng.permutation(4)
        for i in order:
            out = b.forward(X[i:i + 1])
            loss.forward(out, y[i:i + 1, None] if y.ndim == 1 else y[i:i + 1])
            b.backward(loss.backward())
            opt.step(b.parameters(), b.gradients())        # checked every time
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p, q)
