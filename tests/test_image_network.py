"""A Sequential of image layers: image batches in, gradients shaped like them,
training, summary, save/load, and the errors bad input gets.

Input gradients are compared with central finite differences computed here
(``tests/finite_differences.py``); the network is piecewise linear (ReLU, max
pooling), so the difference quotient is exact up to round-off unless a kink
lies within h of the image (random images in (0.05, 0.95), error < 1e-6).
"""
from __future__ import annotations

import os

import numpy as np
import pytest

import mininn
from mininn import Conv2D, Flatten, MaxPool2D, Unflatten

from finite_differences import numeric_vjp, rel_error


def conv_first(seed=0, channels=2):
    rng = np.random.default_rng(seed)
    return mininn.Sequential([Conv2D(channels, 3, 3, padding=1, init="he", seed=rng),
                              mininn.ReLU(), MaxPool2D(2), Flatten(),
                              mininn.Dense(3 * 3 * 3, 4, seed=rng)])


def images(n=4, channels=2, side=6, seed=1):
    return np.random.default_rng(seed).uniform(0.05, 0.95, size=(n, channels, side, side))


# ----------------------------------------------------------------- image batches
def test_a_network_that_starts_with_a_convolution_takes_images():
    net, X = conv_first(), images()
    assert net.in_channels == 2 and net.n_inputs is None and net.n_outputs == 4
    assert net.forward(X).shape == (4, 4)
    G = net.input_gradient(X, 2)
    assert G.shape == X.shape
    dy = np.zeros((1, 4))
    dy[0, 2] = 1.0
    for i in range(len(X)):
        numeric = numeric_vjp(lambda x: net.forward(x), X[i:i + 1].copy(), dy)
        assert rel_error(G[i:i + 1], numeric) < 1e-6
    J = net.jacobian(X)
    assert J.shape == (4, 4, 2, 6, 6)
    assert np.allclose(J[:, 2], G, rtol=0, atol=1e-12)


def test_images_give_the_numbers_of_the_same_layers_behind_unflatten():
    net, X = conv_first(), images()
    flat = mininn.Sequential([Unflatten((2, 6, 6))] + net.layers)
    rows = X.reshape(len(X), -1)
    assert np.array_equal(net.forward(X), flat.forward(rows))
    assert np.array_equal(net.input_gradient(X, 1).reshape(len(X), -1),
                          flat.input_gradient(rows, 1))


def test_input_search_on_a_network_that_starts_with_a_convolution():
    """The images' shape comes from x0; the search is the one of the same
    layers behind an Unflatten, step for step, and x is flat."""
    net, X = conv_first(), images(n=3)
    with pytest.raises(ValueError, match=r"any height and width.*x0.*Unflatten"):
        mininn.search.maximize_input(net, 1, steps=5)
    with pytest.raises(ValueError, match=r"x0 must be images .* C = 2"):
        mininn.search.maximize_input(net, 1, steps=5, x0=X[:, :1])
    flat = mininn.Sequential([Unflatten((2, 6, 6))] + net.layers)
    for x0 in (X, X[0]):                       # (n_starts, C, H, W) or one (C, H, W)
        found = mininn.search.maximize_input(net, 1, steps=40, x0=x0)
        same = mininn.search.maximize_input(flat, 1, steps=40, x0=x0.reshape(-1, 72))
        assert found.xs.shape == same.xs.shape == (x0.size // 72, 72)
        assert np.array_equal(found.xs, same.xs) and np.array_equal(found.values, same.values)
        assert found.value > net.forward(x0.reshape(-1, 2, 6, 6))[:, 1].max()
        assert net.forward(found.x.reshape(1, 2, 6, 6))[0, 1] == pytest.approx(found.value)
    with pytest.raises(ValueError, match="number of inputs of net is unknown"):
        mininn.search.maximize_input(mininn.Sequential([mininn.ReLU()]), 0)
    # the searches without starts cannot know k: they say how to give it
    with pytest.raises(ValueError, match=r"starts with Conv2D.*Unflatten\(\(C, H, W\)\)"):
        mininn.search.best_binary_input(net, 1)


def test_fit_trains_on_image_batches_like_on_rows():
    X, y = images(40), np.random.default_rng(2).integers(0, 4, 40)
    a, b = conv_first(3), conv_first(3)
    flat = mininn.Sequential([Unflatten((2, 6, 6))] + b.layers)
    kw = dict(loss="softmax_cross_entropy", optimizer=mininn.SGD(0.05), epochs=5, batch_size=8,
              seed=0)
    history = mininn.fit(a, X, y, validation_data=(X[:10], y[:10]), **kw)
    mininn.fit(flat, X.reshape(40, -1), y, **kw)
    assert history.loss[-1] < history.loss[0]
    for p, q in zip(a.parameters(), b.parameters()):
        assert np.array_equal(p, q)                        # the same steps, bit for bit


def test_wrong_images_are_refused_naming_x():
    net = conv_first()
    with pytest.raises(ValueError, match=r"X must have 2 channels"):
        net.forward(images(channels=3))
    with pytest.raises(ValueError, match="X must be a batch of images"):
        net.forward(images().reshape(4, -1))
    with pytest.raises(ValueError, match="X must be a batch of images"):
        net.input_gradient(images()[0], 0)
    with pytest.raises(ValueError, match="X"):
        net.jacobian(np.full((2, 2, 6, 6), np.nan))
    with pytest.raises(ValueError, match="X must have 2 channels"):
        mininn.fit(net, images(channels=1), np.zeros(4, dtype=int),
                   loss="softmax_cross_entropy", epochs=1)
    with pytest.raises(ValueError, match="validation_data X"):
        mininn.fit(net, images(), np.zeros(4, dtype=int), loss="softmax_cross_entropy", epochs=1,
                   validation_data=(images(channels=1), np.zeros(4, dtype=int)))
    with pytest.raises(ValueError, match="kernel_size"):             # larger than the image
        mininn.Sequential([Conv2D(2, 1, 5)]).forward(images(side=4))
    with pytest.raises(ValueError, match="size"):                    # pooling window too
        net.forward(images(side=1))


def test_layers_whose_channels_do_not_chain_are_refused():
    with pytest.raises(ValueError, match=r"layers\[2\] expects 5 input channels"):
        mininn.Sequential([Conv2D(1, 4, 3), mininn.ReLU(), Conv2D(5, 2, 3)])
    with pytest.raises(ValueError, match=r"layers\[1\] expects 3 input channels"):
        mininn.Sequential([Unflatten((1, 8, 8)), Conv2D(3, 2, 3)])


def test_dense_refuses_a_wrong_width_with_a_clear_message():
    with pytest.raises(ValueError, match="expects x with 27 features"):
        mininn.Sequential([Conv2D(2, 3, 3), Flatten(), mininn.Dense(27, 2)]).forward(images())


def test_summary_shows_image_shapes():
    text = mininn.Sequential([Unflatten((2, 6, 6))] + conv_first().layers).summary()
    for shape in ["(n, 2, 6, 6)", "(n, 3, 6, 6)", "(n, 3, 3, 3)", "(n, 27)", "(n, 4)"]:
        assert shape in text
    assert "(n, 3, ?, ?)" in conv_first().summary()          # H, W unknown without data


# ----------------------------------------------------------------- save and load
@pytest.mark.parametrize("flat", [False, True])
def test_save_and_load_a_cnn(tmp_path, flat):
    net, X = conv_first(), images()
    net.layers[0] = Conv2D(2, 3, (3, 2), stride=2, padding=1, seed=4)
    net.layers[-1] = mininn.Dense(3 * 1 * 2, 4, seed=5)
    if flat:
        net, X = mininn.Sequential([Unflatten((2, 6, 6))] + net.layers), X.reshape(4, -1)
    else:
        net = mininn.Sequential(net.layers)
    path = tmp_path / "cnn.npz"
    net.save(path)
    back = mininn.load(path)
    assert [type(a) for a in back.layers] == [type(a) for a in net.layers]
    assert back.layers[-5 if not flat else 1].kernel_size == (3, 2)
    assert np.array_equal(back.forward(X), net.forward(X))


def _tampered(tmp_path, net, edit):
    """Save net, change its architecture JSON with ``edit``, write it back."""
    import json
    path = tmp_path / "net.npz"
    net.save(path)
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    spec = json.loads(str(arrays["architecture"]))
    edit(spec["layers"])
    arrays["architecture"] = np.array(json.dumps(spec))
    bad = tmp_path / "bad.npz"
    np.savez(bad, **arrays)
    return bad


@pytest.mark.parametrize("edit", [
    lambda layers: layers[0]["config"].update(out_channels=4),        # W's shape disagrees
    lambda layers: layers[0]["config"].update(kernel_size=[3, 3, 3]),
    lambda layers: layers[0]["config"].update(padding=-1),
    lambda layers: layers[0]["config"].pop("stride"),
    lambda layers: layers[2]["config"].update(size=0),
    lambda layers: layers.insert(1, {"type": "Unflatten", "config": {"shape": "abc"}}),
    lambda layers: layers.insert(1, {"type": "Conv2D", "config": {
        "in_channels": 7, "out_channels": 3, "kernel_size": 1, "stride": 1, "padding": 0}}),
])
def test_a_tampered_cnn_file_is_refused_naming_it(tmp_path, edit):
    bad = _tampered(tmp_path, conv_first(), edit)
    with pytest.raises(ValueError, match="bad.npz"):
        mininn.load(bad)


def test_image_layers_are_exported():
    for name in ["Conv2D", "MaxPool2D", "Flatten", "Unflatten"]:
        assert name in mininn.__all__ and getattr(mininn, name).__name__ == name
    assert os.path.basename(mininn.convolution.__file__) == "convolution.py"


def test_gradcheck_works_on_image_batches():
    from mininn.gradcheck import check_input_gradient, check_network
    net, X = conv_first(), images()
    before = X.copy()
    y = np.random.default_rng(3).integers(0, 4, len(X))
    assert check_network(net, X, y, loss="softmax_cross_entropy", seed=0).passed
    assert check_input_gradient(net, 2, X=X).passed
    assert np.array_equal(X, before)
    with pytest.raises(ValueError, match="X must have 2 channels"):
        check_input_gradient(net, 0, X=images(channels=1))
