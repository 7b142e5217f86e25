"""The image figures of mininn.plotting.saliency: what was drawn, titles, colour bars."""
from __future__ import annotations

import numpy as np
import pytest

import mininn
from mininn import plotting
from mininn.convolution import Conv2D
from mininn.pooling import Flatten, MaxPool2D, Unflatten
from mininn.search import attack, maximize_input, robustness_radii, saliency


def small_cnn(seed=0):
    rng = np.random.default_rng(seed)
    return mininn.Sequential([Unflatten((1, 6, 6)), Conv2D(1, 3, 3, padding=1, init="he", seed=rng),
                              mininn.ReLU(), MaxPool2D(2), Flatten(),
                              mininn.Dense(27, 4, seed=rng)])


X = np.random.default_rng(1).uniform(size=(5, 36))


def panels(fig, gid):
    return [ax for ax in fig.axes if ax.images and ax.images[0].get_gid() == gid]


def colour_bar_labels(fig):
    return [ax.get_ylabel() for ax in fig.axes if getattr(ax, "_colorbar", None) is not None]


def test_saliency_figure_draws_images_and_maps_each_row_with_its_colour_bar():
    net = small_cnn()
    S = saliency(net, X=X)
    fig = plotting.plot_saliency(X, S, titles=list("abcde"), title="maps")
    pics, maps = panels(fig, "image"), panels(fig, "saliency")
    assert len(pics) == len(maps) == 5
    for ax, image, smap in zip(pics, X, S):
        assert np.array_equal(ax.images[0].get_array(), image.reshape(6, 6))
        assert ax.get_title() and not ax.get_xlabel() and not ax.get_xticks().size
    for ax, smap in zip(maps, S):
        assert np.array_equal(ax.images[0].get_array(), smap.reshape(6, 6))
        assert ax.images[0].get_clim() == (0.0, S.max())
    assert colour_bar_labels(fig) == ["pixel value", r"$|\partial f_c / \partial x|$"]
    assert fig.get_suptitle() == "maps"
    signed = plotting.plot_saliency(X, S - S.mean(), signed=True)
    lo, hi = panels(signed, "saliency")[0].images[0].get_clim()
    assert lo == -hi and hi == np.abs(S - S.mean()).max()


def test_class_images_read_the_search_results():
    net = small_cnn()
    results = [maximize_input(net, c, x0=np.zeros(36), penalty=0.5, reference=np.zeros(36),
                              steps=20) for c in range(4)]
    fig = plotting.plot_class_images(results)
    drawn = panels(fig, "image")
    assert len(drawn) == 4
    for c, (ax, r) in enumerate(zip(drawn, results)):
        assert np.array_equal(ax.images[0].get_array(), r.x.reshape(6, 6))
        assert f"class {c}" in ax.get_title()
        assert ax.images[0].get_clim() == (0.0, 1.0)


def test_adversarial_pairs_show_image_attack_and_change():
    net = small_cnn()
    res = attack(net, X=X, epsilon=0.2, steps=10)
    fig = plotting.plot_adversarial(X, res)
    change = panels(fig, "difference")
    assert len(panels(fig, "image")) == len(panels(fig, "adversarial")) == len(change) == 5
    for ax, x, adv in zip(change, X, res.xs):
        assert np.allclose(ax.images[0].get_array(), (adv - x).reshape(6, 6))
        assert ax.images[0].get_clim() == (-0.2, 0.2)
    for ax, p in zip(panels(fig, "adversarial"), res.predictions):
        assert ax.get_title().startswith(f"predicted {p}")
    assert colour_bar_labels(fig) == ["pixel value", "pixel value", "pixel change"]
    with pytest.raises(ValueError, match="images"):
        plotting.plot_adversarial(X[:3], res)


def test_radii_plot_joins_certified_and_attack_radius_of_each_image():
    net = small_cnn()
    radii = robustness_radii(net, X=X, eps_max=0.3, eps_tol=1e-2, steps=5)
    ax = plotting.plot_radii(radii)
    lines = {line.get_gid(): line for line in ax.lines}
    order = np.argsort(radii.attack_epsilon, kind="stable")
    assert np.array_equal(lines["certified"].get_ydata(), radii.certified_epsilon[order])
    found = np.isfinite(radii.attack_epsilon[order])
    assert np.array_equal(lines["attack"].get_ydata(), radii.attack_epsilon[order][found])
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert ax.get_legend() is not None
    segments = [c for c in ax.collections if c.get_gid() == "undecided"][0].get_segments()
    assert len(segments) == len(X)
