"""Soundness of the bounds: relaxation lines, interval and linear output bounds."""
from __future__ import annotations

import numpy as np
import pytest
from search_nets import HIDDEN, bit_rows, random_net

from mininn import activations as act
from mininn.search import exhaustive_values, output_bounds
from mininn.search.relaxations import relax, tangent_ranges, with_tangents


@pytest.mark.parametrize("layer", [act.Sigmoid(), act.Tanh(), act.ReLU(), act.LeakyReLU(0.1),
                                   act.LeakyReLU(3.0), act.Softplus(), act.Identity()],
                         ids=lambda layer: repr(layer))
def test_relaxation_lines_enclose_the_activation(layer):
    rng = np.random.default_rng(0)
    for scale in [1e-10, 0.01, 1.0, 5.0, 40.0, 800.0]:
        a, b = rng.normal(0, scale, 500), rng.normal(0, scale, 500)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        lo[:20] = hi[:20]                                  # zero-width intervals
        aU, bU, aL, bL = relax(layer, lo, hi)
        z = lo + rng.random((40, 1)) * (hi - lo)
        z = np.concatenate([z, lo[None], hi[None]])
        f = layer.forward(z)
        slack = 1e-14 * (1.0 + np.abs(z) + np.abs(f))     # rounding of a*z + b
        assert np.all(aL * z + bL <= f + slack)
        assert np.all(f <= aU * z + bU + slack)


@pytest.mark.parametrize("cls", [act.Sigmoid, act.Tanh])
def test_every_tangent_point_in_its_range_gives_a_bounding_line(cls):
    """The touching points the bound optimises (fractions t in [0, 1] of
    tangent_ranges): at both ends and anywhere between, the lines enclose f."""
    rng = np.random.default_rng(3)
    layer = cls()
    for scale in [0.01, 1.0, 5.0, 40.0]:
        a, b = rng.normal(0, scale, 400), rng.normal(0, scale, 400)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        ranges = tangent_ranges(cls, lo, hi)
        loU, hiU, loL, hiL = ranges
        has = ~np.isnan(loU) | ~np.isnan(loL)
        assert has.mean() > 0.5                           # most lines have a choice
        assert np.all((loU <= hiU)[~np.isnan(loU)]) and np.all((loL <= hiL)[~np.isnan(loL)])
        chords = relax(layer, lo, hi)
        z = lo + rng.random((60, 1)) * (hi - lo)
        z = np.concatenate([z, lo[None], hi[None]])
        f = layer.forward(z)
        slack = 1e-14 * (1.0 + np.abs(z) + np.abs(f))
        for tU, tL in [(0.0, 0.0), (1.0, 1.0), (0.5, 0.5)] + [
                (rng.random(400), rng.random(400)) for _ in range(5)]:
            tU, tL = np.broadcast_to(tU, lo.shape), np.broadcast_to(tL, lo.shape)
            (aU, bU, aL, bL), _ = with_tangents(cls, chords, ranges, tU, tL)
            assert np.all(aL * z + bL <= f + slack)
            assert np.all(f <= aU * z + bU + slack)


@pytest.mark.parametrize("hidden", HIDDEN)
def test_output_bounds_hold_on_random_boxes(hidden):
    rng = np.random.default_rng(1)
    net = random_net(6, 2, hidden, "sigmoid", seed=5, width=7)
    centre = rng.uniform(-1, 2, (30, 6))
    radius = rng.uniform(0, 1, (30, 6)) * (rng.random((30, 6)) < 0.7)
    box = (centre - radius, centre + radius)
    lower_i, upper_i = output_bounds(net, bounds=box, relaxation="interval")
    lower_c, upper_c = output_bounds(net, bounds=box, relaxation="linear")
    assert lower_c.shape == upper_c.shape == (30,)
    assert np.all(upper_c <= upper_i + 1e-12) and np.all(lower_c >= lower_i - 1e-12)
    X = box[0][:, None, :] + rng.random((30, 200, 6)) * (2 * radius)[:, None, :]
    f = net.forward(X.reshape(-1, 6)).reshape(30, 200)
    for lower, upper in [(lower_i, upper_i), (lower_c, upper_c)]:
        assert np.all(f <= upper[:, None] + 1e-12)
        assert np.all(f >= lower[:, None] - 1e-12)


@pytest.mark.parametrize("hidden", HIDDEN)
def test_output_bounds_never_underestimate_subcube_extremes(hidden):
    k = 10
    rng = np.random.default_rng(2)
    net = random_net(k, 2, hidden, "identity", seed=9, width=6)
    values = exhaustive_values(net, 0)
    X = bit_rows(k)
    for _ in range(20):
        fixed = rng.random(k) < rng.uniform(0, 0.8)
        bits = rng.integers(0, 2, k).astype(float)
        lo, hi = np.where(fixed, bits, 0.0), np.where(fixed, bits, 1.0)
        inside = np.all((X >= lo) & (X <= hi), axis=1)
        for relaxation in ("interval", "linear", "auto"):
            lower, upper = output_bounds(net, bounds=(lo, hi), relaxation=relaxation)
            assert upper >= values[inside].max() - 1e-12
            assert lower <= values[inside].min() + 1e-12


def test_output_bounds_shapes_and_bad_input():
    net = random_net(3, 1, "relu", "identity", n_out=2, seed=0, width=2)
    lower, upper = output_bounds(net, bounds=(0.0, 1.0))
    assert isinstance(lower, float) and isinstance(upper, float) and lower <= upper
    # per-feature arrays give the same box; a zero-width box is allowed
    assert output_bounds(net, bounds=(np.zeros(3), np.ones(3))) == (lower, upper)
    point = np.array([0.2, 0.5, 0.9])
    lo_p, hi_p = output_bounds(net, 1, bounds=(point, point))
    assert lo_p == pytest.approx(net.forward(point[None])[0, 1], abs=1e-12)
    assert hi_p == pytest.approx(lo_p, abs=1e-12)
    with pytest.raises(ValueError, match="bounds"):
        output_bounds(net, bounds=([1, 1, 1], [0, 1, 1]))
    with pytest.raises(ValueError, match="bounds"):
        output_bounds(net, bounds=([0, 0], [1, 1]))
    with pytest.raises(ValueError, match="bounds"):
        output_bounds(net, bounds=([0, 0, np.nan], [1, 1, 1]))
    with pytest.raises(ValueError, match="bounds"):
        output_bounds(net, bounds=(-1e308, 1e308))
    with pytest.raises(TypeError, match="bounds"):
        output_bounds(net, bounds=1.0)
    with pytest.raises(ValueError, match="relaxation"):
        output_bounds(net, bounds=(0, 1), relaxation="crown")
    with pytest.raises(ValueError, match="output"):
        output_bounds(net, 2, bounds=(0, 1))
