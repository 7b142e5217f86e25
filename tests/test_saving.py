"""save/load: exact round trips, and a ValueError naming the file for every bad file.

The bad files are built the way a damaged download, a tampered upload or a
foreign archive looks; "before" notes say what mininn 0.1 did with each.
"""
from __future__ import annotations

import io
import json
import os
import tracemalloc
import zipfile

import numpy as np
import pytest

import mininn
from mininn import activations
from mininn.layers import Dense
from mininn.network import Sequential, load, mlp

ACTIVATION_NAMES = list(activations.ACTIVATIONS)


def _model_bytes(tmp_path, compressed=False, net=None):
    """A small saved model; ``compressed`` rewrites it with np.savez_compressed."""
    net = net or mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", seed=0)
    path = tmp_path / "model.npz"
    net.save(path)
    if compressed:
        with np.load(path) as data:
            arrays = {k: data[k] for k in data.files}
        np.savez_compressed(path, **arrays)
    return path.read_bytes()


def _arrays(path):
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def _header_and_arrays(tmp_path, net=None):
    """(architecture dict, parameter arrays) of a small saved model, to tamper with."""
    good = tmp_path / "good.npz"
    (net or mlp([2, 3, 1], seed=0)).save(good)
    arrays = _arrays(good)
    return json.loads(str(arrays.pop("architecture"))), arrays


def _write_model(path, header, arrays, compressed=False):
    arrays = dict(arrays, architecture=np.array(json.dumps(header)))
    (np.savez_compressed if compressed else np.savez)(path, **arrays)


def _refused(path, match=None):
    """load(path) must raise a ValueError that names the file."""
    with pytest.raises(ValueError) as info:
        load(path)
    assert os.path.basename(str(path)) in str(info.value)
    if match:
        assert match in str(info.value)


# ------------------------------------------------------------- round trips
@pytest.mark.parametrize("hidden", ACTIVATION_NAMES)
def test_save_load_round_trip_is_exact(tmp_path, hidden):
    net = Sequential([Dense(3, 4, seed=1), activations.get(hidden), Dense(4, 2, seed=2),
                      activations.LeakyReLU(0.3)])
    path = tmp_path / "model.npz"
    net.save(path)
    loaded = mininn.load(path)
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in net.layers]
    assert loaded.layers[-1].negative_slope == 0.3
    for p, q in zip(net.parameters(), loaded.parameters()):
        np.testing.assert_array_equal(p, q)
    X = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_array_equal(net.forward(X), loaded.forward(X))
    assert os.listdir(tmp_path) == ["model.npz"]      # no temporary left


def test_a_compressed_model_loads_too(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(_model_bytes(tmp_path, compressed=True))
    net = mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", seed=0)
    for p, q in zip(net.parameters(), load(path).parameters()):
        np.testing.assert_array_equal(p, q)


def test_integer_weights_save_and_load(tmp_path):
    # before: saved as int64, then refused by load ("expected float")
    net = mlp([2, 2, 1], seed=0)
    net.layers[0].params["W"] = np.array([[1, -2], [3, 4]])
    net.save(tmp_path / "ints.npz")
    loaded = load(tmp_path / "ints.npz")
    assert loaded.layers[0].params["W"].dtype == np.float64
    np.testing.assert_array_equal(loaded.layers[0].params["W"], [[1.0, -2.0], [3.0, 4.0]])
    # a file written by someone else with integer parameters loads as well
    arrays = _arrays(tmp_path / "ints.npz")
    arrays["0/W"] = arrays["0/W"].astype(np.int32)
    np.savez(tmp_path / "int32.npz", **arrays)
    np.testing.assert_array_equal(load(tmp_path / "int32.npz").layers[0].params["W"],
                                  [[1.0, -2.0], [3.0, 4.0]])


def test_nan_weights_are_refused_on_save_and_on_load(tmp_path):
    # before: saved and loaded silently. Decision: refuse both (a diverged net).
    net = mlp([2, 2, 1], seed=0)
    net.layers[2].params["b"][0] = np.nan
    with pytest.raises(ValueError, match=r"2\.Dense\.b"):
        net.save(tmp_path / "nan.npz")
    assert not any(tmp_path.iterdir())
    good = tmp_path / "good.npz"
    mlp([2, 2, 1], seed=0).save(good)
    arrays = _arrays(good)
    arrays["2/b"] = np.array([np.inf])
    np.savez(tmp_path / "inf.npz", **arrays)
    _refused(tmp_path / "inf.npz", "2/b")


def test_save_accepts_a_bytes_path(tmp_path):
    # before: TypeError from tempfile (bytes folder, str prefix)
    path = os.fsencode(str(tmp_path / "bytes.npz"))
    mlp([2, 3, 1], seed=0).save(path)
    assert load(path).n_inputs == 2
    assert os.listdir(tmp_path) == ["bytes.npz"]


def test_saved_file_mode_follows_the_umask(tmp_path):
    # before: 0o600 from mkstemp, unreadable to the rest of a class
    old = os.umask(0o022)
    try:
        mlp([2, 3, 1], seed=0).save(tmp_path / "shared.npz")
    finally:
        os.umask(old)
    assert (tmp_path / "shared.npz").stat().st_mode & 0o777 == 0o644


def test_save_refuses_custom_layers(tmp_path):
    class Square(mininn.Layer):
        def forward(self, x):
            self._x = x
            return x * x

        def backward(self, dy):
            return 2 * self._x * dy

    net = Sequential([Dense(2, 2), Square()])
    with pytest.raises(TypeError, match=r"layers\[1\] of type Square"):
        net.save(tmp_path / "m.npz")
    assert not any(tmp_path.iterdir())


def test_save_failure_leaves_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    mlp([2, 3, 1], seed=0).save(path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        mlp([2, 3, 1], seed=1).save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]


# ------------------------------------------------------------ bad files
def test_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nowhere.npz")


def test_foreign_and_corrupt_files(tmp_path):
    np.savez(tmp_path / "foreign.npz", a=np.arange(3))
    _refused(tmp_path / "foreign.npz", "architecture")
    (tmp_path / "corrupt.npz").write_bytes(b"this is not a zip file at all")
    _refused(tmp_path / "corrupt.npz")
    np.save(tmp_path / "single.npy", np.arange(3))
    _refused(tmp_path / "single.npy", "single array")


def test_empty_file(tmp_path):
    # before: EOFError
    (tmp_path / "empty.npz").write_bytes(b"")
    _refused(tmp_path / "empty.npz")


def test_changed_central_directory_byte(tmp_path):
    # before: NotImplementedError (the compression method of an entry set to 99)
    data = bytearray(_model_bytes(tmp_path))
    at = data.index(b"PK\x01\x02")               # the first central directory record
    data[at + 10] = 99
    (tmp_path / "cd.npz").write_bytes(bytes(data))
    _refused(tmp_path / "cd.npz")


def test_flipped_deflate_bytes(tmp_path):
    # before: zlib.error escaped for many of these flips
    data = _model_bytes(tmp_path, compressed=True)
    at = zipfile.ZipFile(io.BytesIO(data)).getinfo("0/W.npy").header_offset
    name_len, extra_len = (int.from_bytes(data[at + k:at + k + 2], "little") for k in (26, 28))
    start = at + 30 + name_len + extra_len            # the deflated bytes of 0/W
    for offset in range(start, start + 40):
        bad = bytearray(data)
        bad[offset] ^= 0x5A
        (tmp_path / "flipped.npz").write_bytes(bytes(bad))
        _refused(tmp_path / "flipped.npz")


def test_wrong_or_misshapen_parameters(tmp_path):
    header, arrays = _header_and_arrays(tmp_path)
    _write_model(tmp_path / "shape.npz", header, dict(arrays, **{"0/W": np.zeros((5, 5))}))
    _refused(tmp_path / "shape.npz", "0/W")
    missing = {k: v for k, v in arrays.items() if k != "2/b"}
    _write_model(tmp_path / "missing.npz", header, missing)
    _refused(tmp_path / "missing.npz", "2/b")
    _write_model(tmp_path / "extra.npz", header, dict(arrays, **{"9/W": np.zeros(2)}))
    _refused(tmp_path / "extra.npz", "9/W")
    _write_model(tmp_path / "text.npz", header, dict(arrays, **{"0/b": np.array(["a"] * 3)}))
    _refused(tmp_path / "text.npz", "0/b")


@pytest.mark.parametrize("tamper", [
    lambda h: h["layers"][1].update(type="Swish"),
    lambda h: h.update(layers={"0": h["layers"][0]}),             # before: AttributeError
    lambda h: h["layers"].__setitem__(1, "Sigmoid"),              # before: AttributeError
    lambda h: h["layers"][0].update(config={"n_in": "2", "n_out": 3}),
    lambda h: h["layers"][0].update(config={"n_in": 2, "n_out": 3, "init": "he"}),
    lambda h: h["layers"][1].update(config=[]),
    lambda h: h["layers"][3].update(type="LeakyReLU", config={"negative_slope": -1}),
    lambda h: h.update(version=2),
    lambda h: h.update(format="keras"),
    lambda h: h.update(layers=[]),
])
def test_tampered_architecture(tmp_path, tamper):
    header, arrays = _header_and_arrays(tmp_path)
    tamper(header)
    _write_model(tmp_path / "tampered.npz", header, arrays)
    _refused(tmp_path / "tampered.npz")


def test_deeply_nested_architecture_json(tmp_path):
    # before: RecursionError from json
    arrays = {"architecture": np.array("[" * 100_000 + "]" * 100_000)}
    np.savez(tmp_path / "deep.npz", **arrays)
    _refused(tmp_path / "deep.npz")


def _peak_mib(action):
    """Run ``action()``; the most memory (MiB) Python allocated meanwhile.

    A deterministic stand-in for "cheap": what a loader builds or inflates
    shows up here whatever the machine's load (a timed assertion would not).
    """
    tracemalloc.start()
    try:
        action()
    finally:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return peak


def _refused_cheaply(path):
    """``_refused(path)`` with at most 5 MiB allocated: the file is refused
    before anything its header claims is built or inflated."""
    assert _peak_mib(lambda: _refused(path)) < 5


def test_huge_architecture_in_a_small_file_is_refused_before_building(tmp_path):
    # before: a 2 KB file whose Dense config says 16000 x 16000 took 9.5 s and
    # 4 GB (the layer was built) before its ValueError
    header, arrays = _header_and_arrays(tmp_path)
    header["layers"][0]["config"] = {"n_in": 16000, "n_out": 16000}
    path = tmp_path / "huge.npz"
    _write_model(path, header, arrays)
    assert path.stat().st_size < 4000
    _refused_cheaply(path)


def test_big_compressed_entry_is_refused_before_inflating(tmp_path):
    # before: a 1.5 MB compressed entry was inflated to 1.6 GB before its shape
    # was rejected. Here 4000 x 4000 zeros (128 MB) deflate to ~0.1 MB.
    header, arrays = _header_and_arrays(tmp_path)
    arrays["0/W"] = np.zeros((4000, 4000))
    path = tmp_path / "bomb.npz"
    _write_model(path, header, arrays, compressed=True)
    assert path.stat().st_size < 1_000_000
    _refused_cheaply(path)


def test_zip_directory_claiming_more_than_the_file_holds(tmp_path):
    # A stored entry whose directory record claims a 2 GB size is refused from
    # the directory alone, without reading (or allocating) anything.
    data = bytearray(_model_bytes(tmp_path))
    at = data.index(b"PK\x01\x02")
    data[at + 20:at + 28] = (2**31 - 1).to_bytes(4, "little") * 2   # compressed, file size
    (tmp_path / "claims.npz").write_bytes(bytes(data))
    _refused_cheaply(tmp_path / "claims.npz")


# ------------------------------------------------------------------ fuzzing
def _fuzz_cases(plain: bytes, compressed: bytes):
    """Single-byte flips of every third byte of both files, and truncations."""
    for first, data, tag in ((0, plain, "plain"), (1, compressed, "deflated")):
        for i in range(first, len(data), 3):
            bad = bytearray(data)
            bad[i] ^= 0xFF if i % 2 else 0x01
            yield f"{tag}-flip-{i}", bytes(bad)
    for n in range(0, len(plain), 7):
        yield f"truncated-{n}", plain[:n]


def test_fuzzed_model_files_give_a_value_error_naming_the_file_or_the_same_model(tmp_path):
    net = mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", seed=0)
    plain, compressed = _model_bytes(tmp_path, net=net), _model_bytes(tmp_path, True, net)
    path = tmp_path / "fuzzed.npz"
    reference = [p.copy() for p in net.parameters()]
    outcomes = {"refused": 0, "same": 0}
    largest = 0.0
    tracemalloc.start()
    try:
        for label, data in _fuzz_cases(plain, compressed):
            path.write_bytes(data)
            tracemalloc.reset_peak()
            try:
                loaded = load(path)
            except ValueError as exc:
                assert "fuzzed.npz" in str(exc), (label, exc)
                outcomes["refused"] += 1
            except Exception as exc:     # noqa: BLE001 - the point of the test
                pytest.fail(f"{label}: {type(exc).__name__}: {exc}")
            else:
                # a flip in a byte that does not matter (a timestamp, an attribute)
                for p, q in zip(reference, loaded.parameters()):
                    np.testing.assert_array_equal(p, q, err_msg=label)
                outcomes["same"] += 1
            # no flip may make the loader build or inflate something big
            largest = max(largest, tracemalloc.get_traced_memory()[1] / 2**20)
    finally:
        tracemalloc.stop()
    assert outcomes["refused"] > 0.8 * sum(outcomes.values())
    assert largest < 5, largest


_JUNK = [None, True, -1, 0, 3, 2**70, 1e308, float("nan"), "x", "Dense", [], {}, [[[]]],
         {"type": "Dense"}, {"n_in": 16000, "n_out": 16000}]


def _tamper_once(header, rng):
    """Replace one randomly chosen node of the JSON tree by a piece of junk."""
    paths = []

    def walk(node, path):
        paths.append(path)
        children = node.items() if isinstance(node, dict) else (
            enumerate(node) if isinstance(node, list) else ())
        for key, child in children:
            walk(child, path + [key])
    walk(header, [])
    path = paths[rng.integers(1, len(paths))]
    node = header
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = json.loads(json.dumps(_JUNK[rng.integers(len(_JUNK))]))


def test_fuzzed_architecture_json_gives_a_value_error_naming_the_file(tmp_path):
    original, arrays = _header_and_arrays(tmp_path, Sequential(
        [Dense(2, 3, seed=0), activations.LeakyReLU(0.2), Dense(3, 1, seed=1),
         activations.Sigmoid()]))
    rng = np.random.default_rng(0)
    path = tmp_path / "tampered.npz"
    tracemalloc.start()
    try:
        for case in range(150):
            header = json.loads(json.dumps(original))
            for _ in range(1 + case % 3):
                _tamper_once(header, rng)
            _write_model(path, header, arrays)
            try:
                load(path)             # a harmless change (a slope of 3) may still load
            except ValueError as exc:
                assert "tampered.npz" in str(exc), (header, exc)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert peak < 5
