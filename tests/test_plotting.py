"""Tests of mininn.plotting: they check what was drawn, not only that nothing raised.

The network is a 2-2-1 sigmoid net with hand-set weights, and its output is
recomputed here by hand (``f`` below), so the corner annotations and the
contour range are checked against an independent formula. Most search results
are built by hand as ``AscentResult`` with known trajectories, so these tests
do not depend on the search itself; one test draws a real search.
"""
from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib import colors as mcolors
from matplotlib import patheffects
from matplotlib.contour import QuadContourSet
from matplotlib.patches import Rectangle

import mininn
from mininn import plotting
from mininn.search.results import AscentResult, ExactResult

W1 = np.array([[-3.0, 2.0], [4.0, -1.0]])
B1 = np.array([0.5, -0.5])
W2 = np.array([[3.0], [-2.0]])
B2 = np.array([-1.0])


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def f(X):
    """The 2-2-1 network by hand: sigmoid(sigmoid(X W1 + b1) W2 + b2), (n, 2) -> (n,)."""
    return sigmoid(sigmoid(X @ W1 + B1) @ W2 + B2)[:, 0]


@pytest.fixture
def net():
    net = mininn.mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", seed=0)
    net.layers[0].params["W"][...] = W1
    net.layers[0].params["b"][...] = B1
    net.layers[2].params["W"][...] = W2
    net.layers[2].params["b"][...] = B2
    return net


def make_result(trajectory, method="projected", best=0, steps=None, bounds=(0.0, 1.0),
                output=0, values=None):
    """An AscentResult with a known trajectory (values: f along it for k = 2)."""
    trajectory = np.asarray(trajectory, dtype=float)
    n_records, n_starts, k = trajectory.shape
    if values is None:
        values = (f(trajectory.reshape(-1, 2)).reshape(n_records, n_starts) if k == 2
                  else trajectory.sum(axis=2))
    lo, hi = (np.broadcast_to(np.asarray(b, float), (k,)).copy() for b in bounds)
    return AscentResult(
        x=trajectory[-1, best], value=float(values[-1, best]), xs=trajectory[-1],
        values=values[-1], goal="max", output=output, method=method, stop_reason="steps",
        seconds=0.0, objectives=values[-1], best=best, trajectory=trajectory,
        trajectory_values=values, steps=np.arange(n_records) if steps is None else
        np.asarray(steps), n_iter=n_records - 1, grad_norm=np.zeros(n_starts),
        kkt=np.zeros(n_starts, bool), bounds=(lo, hi))


def line_path(a, b, n):
    """n points from a to b: (n, 2)."""
    return np.linspace(np.asarray(a, float), np.asarray(b, float), n)


@pytest.fixture
def two_results():
    # "projected": two starts moving toward the corner [0, 1]; "none": one start
    # that leaves the box to [-0.11, 1.997], as in 2016.
    projected = make_result(np.stack([line_path([0.5, 0.5], [0.0, 1.0], 6),
                                      line_path([0.9, 0.2], [0.1, 0.9], 6)], axis=1),
                            method="projected", best=0, steps=np.arange(0, 60, 10))
    none = make_result(line_path([1.0, 0.3], [-0.11, 1.997], 8)[:, None, :], method="none")
    return projected, none


def by_gid(ax, gid):
    return [line for line in ax.lines if line.get_gid() == gid]


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def assert_labelled(ax):
    assert ax.get_title()
    assert ax.get_xlabel()
    assert ax.get_ylabel()


def assert_legend_outside(ax):
    """The legend's drawn box does not overlap the axes' box (it hides nothing)."""
    ax.figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    frame = ax.get_window_extent()
    assert not legend.overlaps(frame), (legend, frame)


# ---------------------------------------------------------------------------
# plot_landscape
# ---------------------------------------------------------------------------

def test_landscape_contours_cover_the_box_plus_margin(net):
    res = 41
    ax = plotting.plot_landscape(net, resolution=res)
    assert isinstance(ax, matplotlib.axes.Axes)
    # Unit box, margin 0.5 box-widths on each side.
    assert ax.get_xlim() == pytest.approx((-0.5, 1.5))
    assert ax.get_ylim() == pytest.approx((-0.5, 1.5))
    contours = [c for c in ax.collections if isinstance(c, QuadContourSet)]
    assert len(contours) == 1 and contours[0].get_gid() == "contour"
    g = np.linspace(-0.5, 1.5, res)
    G0, G1 = np.meshgrid(g, g)
    Z = f(np.column_stack([G0.ravel(), G1.ravel()]))
    levels = contours[0].levels
    assert levels[0] <= Z.min() and levels[-1] >= Z.max()
    # ... and the levels are fitted to that range, not to a fixed [0, 1].
    assert levels[1] > Z.min() and levels[-2] < Z.max()
    assert len(ax.figure.axes) == 2                     # the colour bar
    assert ax.figure.axes[1].get_ylabel() == "network output f_0(x)"
    assert_labelled(ax)
    assert ax.get_legend() is None                      # nothing to tell apart without results


def test_landscape_margin_is_relative_to_a_non_unit_box(net):
    ax = plotting.plot_landscape(net, bounds=(-1.0, [3.0, 1.0]), margin=0.25, resolution=10)
    assert ax.get_xlim() == pytest.approx((-2.0, 4.0))  # width 4, 0.25 * 4 = 1 on each side
    assert ax.get_ylim() == pytest.approx((-1.5, 1.5))  # width 2
    (box,) = [p for p in ax.patches if p.get_gid() == "box"]
    assert isinstance(box, Rectangle)
    assert box.get_xy() == pytest.approx((-1.0, -1.0))
    assert (box.get_width(), box.get_height()) == pytest.approx((4.0, 2.0))


def test_landscape_evaluates_the_grid_in_one_forward_call(net):
    calls = []
    forward = net.forward

    def counting_forward(X):
        calls.append(np.shape(X))
        return forward(X)

    net.forward = counting_forward
    plotting.plot_landscape(net, resolution=30)
    assert calls == [(30 * 30 + 4, 2)]                  # the grid plus the four corners


def test_landscape_corners_show_the_network_outputs(net):
    ax = plotting.plot_landscape(net, resolution=10)
    corners = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=float)
    annotations = {tuple(np.round(t.xy, 12)): t.get_text()
                   for t in ax.texts if t.get_gid() == "corner"}
    assert annotations == {tuple(c): f"f={v:.2f}" for c, v in zip(corners, f(corners))}
    (scatter,) = [c for c in ax.collections if c.get_gid() == "corners"]
    assert np.allclose(scatter.get_offsets(), corners)
    # The four values differ in their printed form, so a swap would be caught.
    assert len(set(annotations.values())) == 4
    ax = plotting.plot_landscape(net, resolution=10, corners=False)
    assert not [t for t in ax.texts if t.get_gid() == "corner"]


def test_landscape_draws_each_trajectory_with_its_markers(net, two_results):
    projected, none = two_results
    ax = plotting.plot_landscape(net, results=[projected, none], resolution=20)
    lines = by_gid(ax, "trajectory")
    assert len(lines) == 3                               # 2 starts + 1 start
    expected = [projected.trajectory[:, 0], projected.trajectory[:, 1], none.trajectory[:, 0]]
    for line, path in zip(lines, expected):
        assert np.array_equal(line.get_xdata(), path[:, 0])
        assert np.array_equal(line.get_ydata(), path[:, 1])
    # All starts of one result share a colour; the two results differ.
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
    starts, ends = by_gid(ax, "start"), by_gid(ax, "end")
    assert len(starts) == len(ends) == 2                 # one marker artist per result
    for start, end, r in zip(starts, ends, (projected, none)):
        assert np.array_equal(start.get_xdata(), r.trajectory[0, :, 0])
        assert np.array_equal(start.get_ydata(), r.trajectory[0, :, 1])
        assert np.array_equal(end.get_xdata(), r.trajectory[-1, :, 0])
        assert np.array_equal(end.get_ydata(), r.trajectory[-1, :, 1])
        assert start.get_marker() != end.get_marker()
    # One legend entry per result, labelled by its method, showing line and start marker.
    assert legend_texts(ax) == ["projected", "none"]
    handles = ax.get_legend().legend_handles
    assert [h.get_marker() for h in handles] == [s.get_marker() for s in starts]
    assert "start" in ax.get_legend().get_title().get_text()
    # The escaping path stays in view: the area grows beyond box + margin.
    assert ax.get_ylim()[1] >= 1.997
    assert ax.get_xlim() == pytest.approx((-0.5, 1.5))


def test_landscape_legend_sits_outside_the_axes_by_default(net, two_results):
    fig, ax = plt.subplots(figsize=(6, 5))
    plotting.plot_landscape(net, results=two_results, ax=ax, resolution=10)
    assert_legend_outside(ax)
    # Inside, at a spot of the caller's choosing, when asked.
    fig, ax = plt.subplots(figsize=(6, 5))
    plotting.plot_landscape(net, results=two_results, ax=ax, resolution=10,
                            legend_loc="upper right")
    ax.figure.canvas.draw()
    assert ax.get_legend().get_window_extent().overlaps(ax.get_window_extent())
    with pytest.raises(ValueError, match="legend_loc"):
        plotting.plot_landscape(net, results=two_results, legend_loc="somewhere")


def test_landscape_paths_contrast_with_the_colour_map(net):
    # Six results, all on the same path: every colour is far from every colour
    # of viridis (navy and gold are not), and each line has a contrasting outline.
    path = line_path([0.2, 0.2], [0.0, 1.0], 5)[:, None, :]
    results = [make_result(path, method=f"m{i}") for i in range(6)]
    ax = plotting.plot_landscape(net, results=results, resolution=10)
    viridis = matplotlib.colormaps["viridis"](np.linspace(0, 1, 256))[:, :3]
    for line in by_gid(ax, "trajectory"):
        rgb = np.array(mcolors.to_rgb(line.get_color()))
        assert np.sqrt(((viridis - rgb) ** 2).sum(axis=1)).min() >= 0.4, line.get_color()
        assert any(isinstance(e, patheffects.withStroke) for e in line.get_path_effects())
    for bad in ("navy", "gold"):
        rgb = np.array(mcolors.to_rgb(bad))
        assert np.sqrt(((viridis - rgb) ** 2).sum(axis=1)).min() < 0.4   # the test can fail


def test_landscape_overlapping_paths_stay_distinguishable(net):
    # Same path, same start: the 2016 "none" run and "projected" agree until
    # the box edge. The first is drawn widest and lowest, the next thinner, on
    # top and dashed, so the first shows at both sides of the second.
    path = line_path([1.0, 0.3], [0.0, 1.0], 5)[:, None, :]
    results = [make_result(path, method=m) for m in ("none", "projected", "sigmoid")]
    ax = plotting.plot_landscape(net, results=results, resolution=10)
    lines = by_gid(ax, "trajectory")
    widths = [line.get_linewidth() for line in lines]
    assert widths[0] > widths[1] > widths[2]
    assert lines[0].get_zorder() < lines[1].get_zorder() < lines[2].get_zorder()
    assert len({str(line.get_linestyle()) for line in lines}) == 3
    # The coinciding starts are nested shapes of different sizes, not one circle.
    starts = by_gid(ax, "start")
    assert len({s.get_marker() for s in starts}) == 3
    sizes = [s.get_markersize() for s in starts]
    assert sizes[0] > sizes[1] > sizes[2]
    assert all(s.get_markerfacecolor() == "none" for s in starts)   # hollow: inner ones show


def test_landscape_labels_and_given_axes(net, two_results):
    fig, (left, right) = plt.subplots(1, 2)
    ax = plotting.plot_landscape(net, results=two_results, labels=["clipped", "free"],
                                 ax=right, resolution=10, title="my title")
    assert ax is right
    assert legend_texts(ax) == ["clipped", "free"]
    assert ax.get_title() == "my title"
    assert not left.lines and not left.collections


def test_landscape_output_comes_from_the_results():
    net = mininn.mlp([2, 3, 2], hidden="tanh", output="identity", seed=1)
    r = make_result(line_path([0.2, 0.2], [0.8, 0.8], 3)[:, None, :], output=1)
    ax = plotting.plot_landscape(net, results=r, resolution=10)
    assert "f_1" in ax.get_title()
    corners = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=float)
    texts = sorted(t.get_text() for t in ax.texts if t.get_gid() == "corner")
    assert texts == sorted(f"f={v:.2f}" for v in net.forward(corners)[:, 1])
    with pytest.raises(ValueError, match=r"output must be an index in 0\.\.1.*got 2"):
        plotting.plot_landscape(net, 2)
    r0 = make_result(r.trajectory, output=0)
    with pytest.raises(ValueError, match="different outputs"):
        plotting.plot_landscape(net, results=[r, r0])


def test_landscape_refuses_a_network_without_two_inputs():
    net3 = mininn.mlp([3, 2, 1], seed=0)
    with pytest.raises(ValueError, match="2 inputs, but net takes 3"):
        plotting.plot_landscape(net3)
    with pytest.raises(TypeError, match="net must be a network"):
        plotting.plot_landscape("not a net")


def test_landscape_refuses_bad_results_and_arguments(net, two_results):
    three_d = make_result(np.zeros((4, 1, 3)))
    with pytest.raises(ValueError, match=r"results\[1\] has 3 coordinates"):
        plotting.plot_landscape(net, results=[two_results[0], three_d])
    flat = make_result(np.zeros((4, 1, 2)))
    flat.trajectory = flat.trajectory[:, 0, :]           # (n_records, k): start axis missing
    with pytest.raises(ValueError, match=r"results\[0\].trajectory must be a 3-d array"):
        plotting.plot_landscape(net, results=flat)
    nan = make_result(np.full((2, 1, 2), np.nan), values=np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"trajectory must be finite"):
        plotting.plot_landscape(net, results=nan)
    nothing = SimpleNamespace(value=0.9, method="exact")
    with pytest.raises(TypeError, match="trajectory"):
        plotting.plot_landscape(net, results=[nothing])
    with pytest.raises(ValueError, match="one label per result"):
        plotting.plot_landscape(net, results=two_results, labels=["only one"])
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plotting.plot_landscape(net, ax="axes")
    with pytest.raises(ValueError, match="margin"):
        plotting.plot_landscape(net, margin=-0.1)
    with pytest.raises(ValueError, match="resolution must be >= 2"):
        plotting.plot_landscape(net, resolution=1)
    with pytest.raises(TypeError, match="corners"):
        plotting.plot_landscape(net, corners="yes")
    with pytest.raises(ValueError, match="levels must be >= 2"):
        plotting.plot_landscape(net, levels=1)


def test_landscape_bounds_are_lo_hi(net):
    with pytest.raises(ValueError, match="bounds must have lo < hi"):
        plotting.plot_landscape(net, bounds=((0, 1), (0, 1)))
    with pytest.raises(ValueError, match="bounds must have lo < hi"):
        plotting.plot_landscape(net, bounds=(1.0, 0.0))
    with pytest.raises(ValueError, match=r"bounds lo must be .*\(2,\)"):
        plotting.plot_landscape(net, bounds=([0, 0, 0], 1.0))
    with pytest.raises(TypeError, match=r"bounds must be a pair \(lo, hi\)"):
        plotting.plot_landscape(net, bounds=0.5)
    with pytest.raises(ValueError, match="bounds must have a finite width"):
        plotting.plot_landscape(net, bounds=(-1e308, 1e308))


def test_landscape_takes_the_box_from_the_results(net):
    r = make_result(line_path([0.0, 0.0], [1.0, 1.0], 3)[:, None, :], bounds=(-1.0, 1.0))
    ax = plotting.plot_landscape(net, results=r, resolution=10, margin=0.0)
    assert ax.get_xlim() == pytest.approx((-1.0, 1.0))
    (box,) = [p for p in ax.patches if p.get_gid() == "box"]
    assert box.get_xy() == pytest.approx((-1.0, -1.0))


def test_landscape_draws_each_per_start_box_once(net):
    traj = np.stack([line_path([0.5, 0.5], [1, 1], 3), line_path([2.5, 0.5], [3, 1], 3),
                     line_path([0.2, 0.2], [0, 0], 3)], axis=1)             # 3 starts
    r = make_result(traj)
    r.bounds = (np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 0.0]]),
                np.array([[1.0, 1.0], [3.0, 1.0], [1.0, 1.0]]))            # 2 distinct boxes
    ax = plotting.plot_landscape(net, results=r, resolution=10, margin=0.0)
    boxes = sorted(p.get_xy()[0] for p in ax.patches if p.get_gid() == "box")
    assert boxes == [0.0, 2.0]
    assert ax.get_xlim() == pytest.approx((0.0, 3.0))   # both boxes in view


def test_landscape_draws_a_search_without_a_path_as_points(net, two_results):
    exact = ExactResult(x=np.array([0.0, 1.0]), value=0.9, xs=np.array([[0.0, 1.0]]),
                        values=np.array([0.9]), goal="max", output=0, method="exact",
                        stop_reason="proved", seconds=0.0, bound=0.9, certified=True, gap=0.0,
                        nodes=1, evaluated=4)
    ax = plotting.plot_landscape(net, results=[*two_results, exact], resolution=10)
    (found,) = by_gid(ax, "found")
    assert np.array_equal(found.get_xdata(), [0.0]) and np.array_equal(found.get_ydata(), [1.0])
    assert legend_texts(ax) == ["projected", "none", "exact"]
    assert len(by_gid(ax, "trajectory")) == 3           # the exact result adds no path


def test_landscape_of_a_real_search(net):
    from mininn.search import find_input

    result = find_input(net, goal="max", n_starts=3, steps=40, seed=0, method="projected")
    ax = plotting.plot_landscape(net, results=result, resolution=10)
    lines = by_gid(ax, "trajectory")
    assert len(lines) == 3
    for s, line in enumerate(lines):
        assert np.array_equal(line.get_xdata(), result.trajectory[:, s, 0])
        assert np.array_equal(line.get_ydata(), result.trajectory[:, s, 1])
    (end,) = by_gid(ax, "end")
    assert np.array_equal(end.get_xdata(), result.xs[:, 0])
    ax = plotting.plot_objective(result)
    (line,) = by_gid(ax, "objective")
    assert np.array_equal(line.get_ydata(), result.trajectory_values[:, result.best])
    assert line.get_ydata()[-1] == pytest.approx(result.value)


# ---------------------------------------------------------------------------
# plot_coordinates
# ---------------------------------------------------------------------------

def k3_result(bounds=(0.0, 1.0)):
    rng = np.random.default_rng(0)
    traj = rng.uniform(0.0, 1.0, size=(7, 4, 3))
    return make_result(traj, method="sigmoid", best=2, steps=np.arange(0, 70, 10),
                       bounds=bounds)


def test_coordinates_draw_one_line_per_coordinate_of_the_best_start():
    r = k3_result()
    ax = plotting.plot_coordinates(r)
    lines = by_gid(ax, "coordinate")
    assert len(lines) == 3
    for i, line in enumerate(lines):
        assert np.array_equal(line.get_xdata(), r.steps)
        assert np.array_equal(line.get_ydata(), r.trajectory[:, 2, i])   # best = 2
    bounds = by_gid(ax, "bound")
    assert sorted(tuple(b.get_ydata()) for b in bounds) == [(0.0, 0.0), (1.0, 1.0)]
    assert all(b.get_linestyle() == "--" for b in bounds)
    assert legend_texts(ax) == ["x[0]", "x[1]", "x[2]", "bounds"]
    assert_labelled(ax)
    assert "start 2" in ax.get_title()


def test_coordinates_legend_leaves_the_steps_at_the_bounds_visible():
    # Coordinates that snap to the bounds late in the run: the legend must not
    # sit on them, so it goes outside the axes.
    traj = np.linspace(0.5, 1.0, 18)[:, None, None] * np.ones((1, 1, 6))
    traj[12:, 0, ::2] = 1.0
    traj[12:, 0, 1::2] = 0.0
    fig, ax = plt.subplots(figsize=(7, 4))
    plotting.plot_coordinates(make_result(traj), ax=ax)
    assert_legend_outside(ax)


def test_coordinates_other_start_and_per_coordinate_bounds():
    r = k3_result(bounds=([0.0, -1.0, 0.0], [1.0, 1.0, 2.0]))
    ax = plotting.plot_coordinates(r, 0)
    for i, line in enumerate(by_gid(ax, "coordinate")):
        assert np.array_equal(line.get_ydata(), r.trajectory[:, 0, i])
    levels = sorted(b.get_ydata()[0] for b in by_gid(ax, "bound"))
    assert levels == [-1.0, 0.0, 0.0, 1.0, 1.0, 2.0]   # lo and hi of each coordinate
    assert "bounds" not in legend_texts(ax)


def test_coordinates_per_start_bounds_use_the_drawn_start():
    r = k3_result()
    r.bounds = (np.zeros((4, 3)), np.arange(1.0, 5.0)[:, None] * np.ones((1, 3)))  # hi = 1..4
    ax = plotting.plot_coordinates(r, 3)
    assert sorted(b.get_ydata()[0] for b in by_gid(ax, "bound")) == [0.0, 4.0]


def test_coordinates_refuse_bad_start_and_steps():
    r = k3_result()
    with pytest.raises(ValueError, match=r"start must be <= 3, got 4"):
        plotting.plot_coordinates(r, 4)
    with pytest.raises(TypeError, match="start must be an integer"):
        plotting.plot_coordinates(r, 1.0)
    r.best = 9
    with pytest.raises(ValueError, match=r"result.best must be <= 3"):
        plotting.plot_coordinates(r)
    r = k3_result()
    r.steps = np.arange(3)
    with pytest.raises(ValueError, match="one entry per recorded step"):
        plotting.plot_coordinates(r)
    with pytest.raises(TypeError, match="trajectory"):
        plotting.plot_coordinates([k3_result()])


# ---------------------------------------------------------------------------
# plot_objective
# ---------------------------------------------------------------------------

def test_objective_draws_the_best_start_of_each_result(two_results):
    projected, none = two_results
    ax = plotting.plot_objective([projected, none], labels=["P", "N"])
    lines = by_gid(ax, "objective")
    assert len(lines) == 2
    assert np.array_equal(lines[0].get_xdata(), projected.steps)
    assert np.array_equal(lines[0].get_ydata(), projected.trajectory_values[:, projected.best])
    assert np.array_equal(lines[1].get_ydata(), none.trajectory_values[:, 0])
    assert lines[0].get_color() != lines[1].get_color()
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    assert legend_texts(ax) == ["P", "N"]
    assert not by_gid(ax, "objective_start")
    assert_labelled(ax)
    assert "f_0" in ax.get_ylabel()


def test_objective_all_starts_and_a_single_result(two_results):
    projected, _ = two_results
    projected.best = 1
    ax = plotting.plot_objective(projected, all_starts=True)
    (best,) = by_gid(ax, "objective")
    (other,) = by_gid(ax, "objective_start")
    assert np.array_equal(best.get_ydata(), projected.trajectory_values[:, 1])
    assert np.array_equal(other.get_ydata(), projected.trajectory_values[:, 0])
    assert other.get_linewidth() < best.get_linewidth()
    assert other.get_color() == best.get_color()
    assert legend_texts(ax) == ["projected"]


def test_objective_refuses_mismatched_values(two_results):
    projected, _ = two_results
    projected.trajectory_values = projected.trajectory_values[:, :1]
    with pytest.raises(ValueError, match=r"results\[0\].trajectory_values must have shape"):
        plotting.plot_objective(projected)
    with pytest.raises(ValueError, match="at least one search result"):
        plotting.plot_objective([])


# ---------------------------------------------------------------------------
# plot_history
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def history():
    X = np.array([[0, 1], [1, 0], [1, 1], [0, 0]], dtype=float)
    y = np.array([[1.0], [0.0], [0.0], [0.0]])
    net = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", init="uniform", seed=0)
    return mininn.fit(net, X, y, "mse", mininn.SGD(0.1), epochs=30, batch_size=1, seed=0,
                      validation_data=(X, y))


def test_history_draws_loss_and_val_loss(history):
    ax = plotting.plot_history(history)
    (loss,) = by_gid(ax, "loss")
    (val,) = by_gid(ax, "val_loss")
    assert np.array_equal(loss.get_xdata(), np.arange(1, 31))
    assert np.array_equal(loss.get_ydata(), history.loss)
    assert np.array_equal(val.get_ydata(), history.val_loss)
    assert legend_texts(ax) == ["training loss", "validation loss"]
    assert ax.get_yscale() == "linear"
    assert_labelled(ax)
    assert plotting.plot_history(history, log=True).get_yscale() == "log"


def test_history_without_validation_and_bad_histories():
    h = mininn.History(loss=[0.5, 0.25, 0.125])
    ax = plotting.plot_history(h)
    assert [line.get_gid() for line in ax.lines] == ["loss"]
    with pytest.raises(ValueError, match="empty"):
        plotting.plot_history(mininn.History())
    with pytest.raises(ValueError, match="one entry per epoch"):
        plotting.plot_history(mininn.History(loss=[1.0, 0.5], val_loss=[1.0]))
    with pytest.raises(ValueError, match="log=True needs losses > 0"):
        plotting.plot_history(mininn.History(loss=[1.0, 0.0]), log=True)
    with pytest.raises(TypeError, match="History"):
        plotting.plot_history([1.0, 0.5])


# ---------------------------------------------------------------------------
# plot_decision_surface
# ---------------------------------------------------------------------------

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0.0, 1.0, 1.0, 0.0])


def test_decision_surface_draws_probability_boundary_data_and_colour_bar(net):
    ax = plotting.plot_decision_surface(net, X=XOR_X, y=XOR_Y, resolution=21)
    (surface,) = [c for c in ax.collections if c.get_gid() == "surface"]
    assert np.allclose(surface.levels, np.linspace(0, 1, 11))    # fixed probability levels
    (boundary,) = [c for c in ax.collections if c.get_gid() == "boundary"]
    assert list(boundary.levels) == [0.5]
    # Data: one scatter per class, at the points of that class.
    data = [c for c in ax.collections if c.get_gid() == "data"]
    assert [c.get_label() for c in data] == ["y = 0", "y = 1"]
    assert np.array_equal(data[0].get_offsets(), XOR_X[XOR_Y == 0])
    assert np.array_equal(data[1].get_offsets(), XOR_X[XOR_Y == 1])
    # The area is the data's range widened by half its width: [-0.5, 1.5]^2.
    assert ax.get_xlim() == pytest.approx((-0.5, 1.5))
    assert len(ax.figure.axes) == 2
    assert ax.figure.axes[1].get_ylabel() == "P(y = 1) = f_0(x)"
    assert legend_texts(ax) == ["boundary P = 0.5", "y = 0", "y = 1"]
    assert_labelled(ax)
    assert_legend_outside(ax)


def test_decision_surface_of_logits_and_bad_arguments(net):
    logit_net = mininn.mlp([2, 3, 1], hidden="tanh", output="identity", seed=0)
    logit_net.layers[-2].params["b"][...] = 5.0          # outputs far outside [0, 1]
    with pytest.raises(ValueError, match="logits=True"):
        plotting.plot_decision_surface(logit_net)
    ax = plotting.plot_decision_surface(logit_net, logits=True, resolution=10)
    assert ax.figure.axes[1].get_ylabel() == "P(y = 1) = sigmoid(f_0(x))"
    with pytest.raises(ValueError, match=r"y must have shape \(4,\)"):
        plotting.plot_decision_surface(net, X=XOR_X, y=XOR_Y[:3])
    with pytest.raises(ValueError, match="y is needed with X"):
        plotting.plot_decision_surface(net, X=XOR_X)
    with pytest.raises(ValueError, match="X must have 2 features"):
        plotting.plot_decision_surface(net, X=np.zeros((4, 3)), y=XOR_Y)
    with pytest.raises(ValueError, match="threshold"):
        plotting.plot_decision_surface(net, threshold=1.0)
    with pytest.raises(ValueError, match="area must have lo < hi"):
        plotting.plot_decision_surface(net, area=(1.0, 0.0))


# ---------------------------------------------------------------------------
# plot_images
# ---------------------------------------------------------------------------

def test_images_have_titles_a_colour_bar_and_no_fake_axis_labels():
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(12, 64))
    titles = [f"digit {i}" for i in range(12)]
    fig = plotting.plot_images(images, shape=(8, 8), titles=titles, ncols=6,
                               colorbar_label="pixel value (0 = white)", title="Digits")
    panels = [ax for ax in fig.axes if ax.images and ax.images[0].get_gid() == "image"]
    assert len(panels) == 12
    for ax, image, title in zip(panels, images, titles):
        assert np.array_equal(ax.images[0].get_array(), image.reshape(8, 8))
        assert ax.get_title() == title
        assert not ax.get_xlabel() and not ax.get_ylabel()
        assert not ax.get_xticks().size and not ax.get_yticks().size
        assert ax.images[0].get_clim() == (images.min(), images.max())   # one shared scale
    colorbar = fig.axes[-1]
    assert colorbar.get_ylabel() == "pixel value (0 = white)"
    assert fig.get_suptitle() == "Digits"
    # The titles of the second row stay clear of the images of the first row.
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for above, below in zip(panels[:6], panels[6:]):
        title_box = below.title.get_window_extent(renderer)
        assert not title_box.overlaps(above.get_window_extent(renderer))


def test_images_refuse_bad_shapes():
    with pytest.raises(ValueError, match=r"shape \(8, 8\) needs 64 values"):
        plotting.plot_images(np.zeros((3, 60)), shape=(8, 8))
    with pytest.raises(ValueError, match="shape=\\(h, w\\)"):     # flat, not square: say the shape
        plotting.plot_images(np.zeros((3, 60)))
    with pytest.raises(ValueError, match=r"images must be \(n, h, w\)"):
        plotting.plot_images(np.zeros((3, 2, 4, 4)))


def test_flat_square_images_are_drawn_square():
    fig = plotting.plot_images(np.arange(2 * 64.0).reshape(2, 64))
    shown = [im.get_array() for ax in fig.axes for im in ax.get_images()]
    assert len(shown) == 2 and all(a.shape == (8, 8) for a in shown)
    np.testing.assert_array_equal(shown[1], np.arange(64.0, 128.0).reshape(8, 8))
    with pytest.raises(ValueError, match="one title per image"):
        plotting.plot_images(np.zeros((3, 2, 2)), titles=["a"])


# ---------------------------------------------------------------------------
# animate_trajectories
# ---------------------------------------------------------------------------

def test_animation_writes_a_gif_with_one_frame_per_step(net, two_results, tmp_path):
    from PIL import Image

    before = plt.get_fignums()
    # projected records steps 0..50, none 0..7: the frames are 4 evenly spaced
    # steps 0, 17, 33, 50 of the longest search.
    path = plotting.animate_trajectories(net, two_results, tmp_path / "paths.gif", frames=4,
                                         resolution=20, dpi=30, figsize=(3, 2.5))
    assert path == str(tmp_path / "paths.gif")
    with open(path, "rb") as handle:
        assert handle.read(4) == b"GIF8"
    with Image.open(path) as gif:
        assert gif.n_frames == 4
    assert plt.get_fignums() == before                  # its figure is closed

    # Fewer recorded steps than frames: one frame per step number 0, 1, 2.
    short = make_result(line_path([0.5, 0.5], [0.0, 1.0], 3)[:, None, :])
    path = plotting.animate_trajectories(net, short, tmp_path / "short.gif", frames=10,
                                         resolution=10, dpi=30, figsize=(3, 2.5))
    with Image.open(path) as gif:
        assert gif.n_frames == 3


def test_animation_refuses_bad_arguments(net, two_results, tmp_path):
    with pytest.raises(ValueError, match=r"\.gif"):
        plotting.animate_trajectories(net, two_results, tmp_path / "paths.png")
    with pytest.raises(ValueError, match="frames must be >= 2"):
        plotting.animate_trajectories(net, two_results, tmp_path / "a.gif", frames=1)
    with pytest.raises(ValueError, match="2 inputs"):
        plotting.animate_trajectories(mininn.mlp([3, 1], seed=0), two_results,
                                      tmp_path / "a.gif")
    assert not (tmp_path / "a.gif").exists()


# ---------------------------------------------------------------------------
# packaging
# ---------------------------------------------------------------------------

def test_import_mininn_does_not_load_matplotlib():
    code = ("import sys, mininn; "
            "print('mininn.plotting' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


def test_every_plotting_file_is_short():
    from pathlib import Path

    for path in Path(plotting.__file__).parent.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 400, path.name
