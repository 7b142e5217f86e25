"""The command line: ``python -m mininn demo | train | gradcheck``."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from mininn.__main__ import demo, main, start_2016


def test_help_lists_every_subcommand():
    out = subprocess.run([sys.executable, "-m", "mininn", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for command in ("demo", "train", "gradcheck"):
        assert command in out


def test_demo_end_to_end(tmp_path, capsys):
    png = tmp_path / "figure.png"
    parts = demo(seed=0, out=str(png))
    out = capsys.readouterr().out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(png) in out
    runs, exact = parts["runs"], parts["exact"]
    # the 2016 failure is reproduced, and the constrained methods fix it
    assert not runs["none"].inside[0]
    np.testing.assert_allclose(runs["projected"].best_x, [0.0, 1.0], atol=0.05)
    np.testing.assert_allclose(runs["sigmoid"].best_x, [0.0, 1.0], atol=0.05)
    assert exact.certified and np.array_equal(exact.x, [0.0, 1.0])
    assert parts["report"].passed
    for word in ("none", "projected", "sigmoid", "exact", "inside", "NO", "Gradient check"):
        assert word in out


def test_demo_start_is_the_2016_start():
    x0 = start_2016(3)
    assert x0[0] == 1.0 and 0.0 <= x0[1] < 1.0


def test_demo_subprocess_without_plot():
    result = subprocess.run([sys.executable, "-m", "mininn", "demo", "--no-plot", "--steps", "50"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Figure written" not in result.stdout and "certified: True" in result.stdout


def test_train_and_gradcheck_subcommands(tmp_path, capsys):
    model = tmp_path / "xor.npz"
    assert main(["train", "--dataset", "xor", "--epochs", "300", "--save", str(model)]) == 0
    out = capsys.readouterr().out
    assert "training accuracy 100.0%" in out and model.exists()
    assert main(["gradcheck", "--sizes", "3", "5", "2"]) == 0
    assert "pass" in capsys.readouterr().out


def test_bad_arguments_give_errors(capsys):
    assert main([]) == 2
    with pytest.raises(SystemExit):
        main(["demo", "--steps", "0"])
    assert main(["train", "--activation", "swish", "--epochs", "1"]) == 2
    assert "hidden must be one of" in capsys.readouterr().err
