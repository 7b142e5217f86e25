"""The command line: ``python -m mininn demo | train | gradcheck``."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from mininn.__main__ import demo, main, start_2016


def run(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "mininn", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_help_lists_every_subcommand():
    result = run("--help")
    assert result.returncode == 0
    for command in ("demo", "train", "gradcheck"):
        assert command in result.stdout


@pytest.mark.parametrize("command, expected", [
    ("demo", ["2016", "--steps N", "(default: 1000)", "(default: mininn_demo.png)"]),
    ("train", ["Adam", "(default: 8)", "(default: tanh)", "{2016,moons,parity3,xor}",
               "{identity,leaky_relu,relu,sigmoid,softplus,tanh}", "(default: 0.05)"]),
    ("gradcheck", ["central differences", "(default: [4, 8, 3])", "(default: tanh)",
                   "{identity,leaky_relu,relu,sigmoid,softplus,tanh}"]),
])
def test_subcommand_help_shows_description_defaults_and_choices(command, expected, capsys):
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: python -m mininn {command}")
    words = " ".join(out.split())                       # help wraps lines anywhere
    for text in expected:
        assert text in words, text


def test_demo_end_to_end(tmp_path, capsys):
    png = tmp_path / "figure.png"
    parts = demo(seed=0, out=str(png))
    out = capsys.readouterr().out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(png) in out
    runs, exact = parts["runs"], parts["exact"]
    # the 2016 failure is reproduced, and the constrained methods fix it
    assert not runs["none"].inside[0]
    np.testing.assert_allclose(runs["projected"].x, [0.0, 1.0], atol=0.05)
    np.testing.assert_allclose(runs["sigmoid"].x, [0.0, 1.0], atol=0.05)
    assert exact.certified and np.array_equal(exact.x, [0.0, 1.0])
    assert parts["report"].passed
    for word in ("none", "projected", "sigmoid", "exact", "inside", "NO", "Gradient check"):
        assert word in out


def test_demo_start_is_the_2016_start():
    x0 = start_2016(3)
    assert x0[0] == 1.0 and 0.0 <= x0[1] < 1.0


def test_demo_subprocess_without_plot():
    result = run("demo", "--no-plot", "--steps", "50")
    assert result.returncode == 0, result.stderr
    assert "Figure written" not in result.stdout and "certified: True" in result.stdout


def test_train_and_gradcheck_subcommands(tmp_path, capsys):
    model = tmp_path / "xor.npz"
    assert main(["train", "--dataset", "xor", "--epochs", "300", "--save", str(model)]) == 0
    out = capsys.readouterr().out
    assert "training accuracy 100.0%" in out and model.exists()
    assert main(["gradcheck", "--sizes", "3", "5", "2"]) == 0
    assert "pass" in capsys.readouterr().out


def test_no_command_prints_the_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


@pytest.mark.parametrize("argv, flag", [
    (["train", "--activation", "relu2"], "--activation"),
    (["train", "--hidden", "0"], "--hidden"),
    (["train", "--epochs", "-1"], "--epochs"),
    (["train", "--lr", "0"], "--lr"),
    (["train", "--lr", "nan"], "--lr"),
    (["train", "--dataset", "mnist"], "--dataset"),
    (["gradcheck", "--seed", "-3"], "--seed"),
    (["gradcheck", "--sizes", "3"], "--sizes"),
    (["gradcheck", "--sizes", "3", "0", "1"], "--sizes"),
    (["demo", "--steps", "0"], "--steps"),
    (["demo", "--seed", "1.5"], "--seed"),
])
def test_bad_flags_name_the_flag_under_the_commands_usage(argv, flag, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    captured = capsys.readouterr()
    err = captured.err
    assert captured.out == ""                            # nothing ran
    assert err.startswith(f"usage: python -m mininn {argv[0]} ")   # the command's own usage
    (message,) = [line for line in err.splitlines() if "error:" in line]
    assert f"argument {flag}:" in message
    assert "Traceback" not in err
    assert "sizes[" not in err and "hidden must be" not in err     # no internal names


@pytest.mark.parametrize("argv, flag", [
    (["train", "--save", "/nonexistent/dir/m.npz"], "--save"),
    (["train", "--save", "{tmp}/model.txt"], "--save"),
    (["train", "--save", "{tmp}"], "--save"),
    (["demo", "--out", "/proc/x/y.png"], "--out"),
    (["demo", "--out", "{tmp}/out.txt"], "--out"),
    (["demo", "--out", "{tmp}/no/such/folder/figure.png"], "--out"),
])
def test_unwritable_output_paths_fail_in_one_line_before_the_work(argv, flag, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""                            # no training, no demo output
    lines = captured.err.splitlines()
    assert len(lines) == 1 and flag in lines[0] and "error" in lines[0]
    assert not (tmp_path / "out.txt").exists() and not (tmp_path / "model.txt").exists()


def test_an_unwritable_path_in_a_real_process_has_no_traceback():
    result = run("train", "--save", "/nonexistent/dir/m.npz", timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "--save" in result.stderr


def test_a_diverging_training_run_ends_in_one_line_with_advice(capsys):
    # lr 1e300 sends the weights to ~1e300 within a few epochs; fit raises, the CLI answers
    # in one line (exit 1: the run failed, the command line was fine).
    assert main(["train", "--lr", "1e300", "--epochs", "50"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "diverged" in err[0] and "learning rate" in err[0]
