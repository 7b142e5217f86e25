"""Saving a network to an ``.npz`` file and loading it back, never through pickle.

File format (version 1), an ordinary NumPy ``.npz`` (a zip archive of
``.npy`` files, stored or deflated):

* ``architecture.npy``: a 0-d unicode array holding JSON,
  ``{"format": "mininn.Sequential", "version": 1, "layers": [{"type": "Dense",
  "config": {"n_in": 2, "n_out": 3}}, {"type": "Sigmoid", "config": {}}, ...]}``;
* ``<layer index>/<key>.npy``: each parameter, float64, e.g. ``0/W.npy``.

Loading trusts nothing in the file. Every malformed file -- empty,
truncated, byte-flipped, deflated or not, a foreign archive, tampered JSON --
gets a ``ValueError`` naming the file (a missing file keeps its
``FileNotFoundError``). Nothing is allocated from a size the file states
before that size is checked: the shapes in the ``.npy`` headers are compared
with the architecture, and the sizes in the zip directory with the file's
own length, *before* any layer is built or any array is read.
"""
from __future__ import annotations

import json
import os
import secrets
import zipfile
from typing import Dict, List, Tuple

import numpy as np

from . import activations
from .convolution import Conv2D
from .layers import Dense
from .pooling import Flatten, MaxPool2D, Unflatten

FORMAT = "mininn.Sequential"
FORMAT_VERSION = 1

#: Layers that ``save`` can describe by name; ``load`` rebuilds them from their config.
SAVEABLE = {cls.__name__: cls for cls in [Dense, Conv2D, MaxPool2D, Flatten, Unflatten,
                                          *activations.ACTIVATIONS.values()]}

#: The architecture is a short JSON text; a longer entry is not ours.
MAX_ARCHITECTURE_BYTES = 1 << 20

#: Deflate cannot compress by more than about 1032:1, so an entry that claims
#: to inflate to more than this many times its stored size is lying.
MAX_DEFLATE_RATIO = 1100


class _Refused(Exception):
    """What is wrong with a model file (turned into a ValueError naming it)."""


# ------------------------------------------------------------------------ save
def save(net, path) -> None:
    """Write ``net`` (a ``Sequential``) to ``path`` as an ``.npz`` file.

    Parameters are written as float64 (integer weights are converted). A
    parameter holding NaN or inf is refused with a ValueError: such a network
    has diverged, and a file that loads into NaN outputs helps nobody.

    The file is written under a temporary name in the same folder and then
    renamed over ``path``, so a crash never leaves half a model; it gets the
    usual permissions of a new file (``0o666`` less the umask). ``path`` is a
    ``str``, ``bytes`` or ``os.PathLike`` and is used exactly as given.
    """
    path = os.fsdecode(os.fspath(path))
    specs, arrays = [], {}
    for i, layer in enumerate(net.layers):
        name = type(layer).__name__
        if SAVEABLE.get(name) is not type(layer):
            raise TypeError(
                f"cannot save layers[{i}] of type {name}: only mininn's built-in layers "
                f"({', '.join(sorted(SAVEABLE))}) can be saved")
        specs.append({"type": name, "config": layer.config()})
        for key, value in layer.params.items():
            value = np.asarray(value)
            if value.dtype.kind not in "biuf":
                raise TypeError(f"cannot save parameter {i}.{name}.{key}: dtype {value.dtype} "
                                "is not a real number type")
            if not np.all(np.isfinite(value)):
                raise ValueError(f"cannot save parameter {i}.{name}.{key}: it holds NaN or inf "
                                 "(has training diverged?)")
            arrays[f"{i}/{key}"] = value.astype(np.float64)
    header = {"format": FORMAT, "version": FORMAT_VERSION, "layers": specs}
    arrays["architecture"] = np.array(json.dumps(header))
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".mininn-{secrets.token_hex(6)}.npz.tmp")
    # os.open with mode 0o666 lets the umask decide the permissions, as for
    # any new file (tempfile.mkstemp would make it private: 0o600).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


# ------------------------------------------------------------------------ load
def load(path):
    """Read a network written by ``Sequential.save``; returns a ``Sequential``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist (other errors opening it, such as a
        missing permission, come out as they are).
    ValueError
        Naming the file, for anything that is not a valid mininn model: not
        a zip archive, damaged bytes, a foreign ``.npz``, an unknown format,
        version or layer type, a parameter missing, extra, misshapen, not a
        real number or not finite. Never unpickles.
    """
    from .network import Sequential

    path = os.fspath(path)
    shown = repr(os.fsdecode(path))
    with open(path, "rb") as handle:           # FileNotFoundError and the like: as they are
        size = os.fstat(handle.fileno()).st_size
        try:
            layers = _read(handle, size)
        except _Refused as exc:
            raise ValueError(f"{shown} is not a valid mininn model: {exc}") from None
        except Exception as exc:   # noqa: BLE001 - whatever damaged bytes make zipfile, zlib or json raise
            raise ValueError(f"{shown} is not a mininn model file (.npz), or it is damaged: "
                             f"{type(exc).__name__}: {exc}") from None
    try:
        return Sequential(layers)
    except ValueError as exc:            # layers that do not chain (a tampered architecture)
        raise ValueError(f"{shown} is not a valid mininn model: {exc}") from None


def _read(handle, size: int) -> List:
    if size == 0:
        raise _Refused("the file is empty")
    if handle.read(6) == b"\x93NUMPY":
        raise _Refused("it holds a single array (.npy), not an .npz archive")
    handle.seek(0)
    with zipfile.ZipFile(handle) as archive:
        entries = {info.filename: info for info in archive.infolist()}
        for info in entries.values():
            _check_entry_size(info, size)
        if "architecture.npy" not in entries:
            raise _Refused("it has no 'architecture' entry (a foreign .npz?)")
        arch = entries.pop("architecture.npy")
        if arch.file_size > MAX_ARCHITECTURE_BYTES:
            raise _Refused(f"its architecture entry is {arch.file_size} bytes long")
        with archive.open(arch) as fp:
            shape, dtype, _ = _npy_header(fp, "architecture", arch)
            if shape != () or dtype.kind != "U":
                raise _Refused(f"its architecture entry is an array of shape {shape} and dtype "
                               f"{dtype}, not a JSON text")
            text = str(_npy_data(fp, shape, dtype, False, "architecture")[()])
        specs = _layer_specs(json.loads(text))
        # Every parameter's shape, from the architecture and from its .npy
        # header, before any layer is built or any array is read.
        expected = [_parameter_shapes(i, cls, config) for i, (cls, config) in enumerate(specs)]
        wanted = {f"{i}/{key}.npy": (i, key, shape)
                  for i, shapes in enumerate(expected) for key, shape in shapes.items()}
        extra = sorted(set(entries) - set(wanted))
        if extra:
            raise _Refused(f"it holds entries that are no parameter of the architecture: {extra}")
        headers = {}
        for entry, (i, key, shape) in wanted.items():
            if entry not in entries:
                raise _Refused(f"parameter '{i}/{key}' is missing")
            with archive.open(entries[entry]) as fp:
                stored, dtype, fortran = _npy_header(fp, f"{i}/{key}", entries[entry])
            if stored != shape or dtype.kind not in "biuf":
                raise _Refused(f"parameter '{i}/{key}' has shape {stored} and dtype {dtype}, "
                               f"expected {shape} float")
            headers[entry] = (dtype, fortran)
        layers = []
        for i, (cls, config) in enumerate(specs):
            layer = cls(**config)
            for key in expected[i]:
                entry = f"{i}/{key}.npy"
                with archive.open(entries[entry]) as fp:
                    shape, dtype, fortran = _npy_header(fp, f"{i}/{key}", entries[entry])
                    value = _npy_data(fp, shape, dtype, fortran, f"{i}/{key}")
                if not np.all(np.isfinite(value)):
                    raise _Refused(f"parameter '{i}/{key}' holds NaN or inf")
                layer.params[key] = value.astype(np.float64)
                layer.grads[key] = np.zeros_like(layer.params[key])
            layers.append(layer)
    return layers


def _check_entry_size(info: zipfile.ZipInfo, size: int) -> None:
    """The sizes the zip directory states must fit the file (checked before reading)."""
    if info.compress_size > size:
        raise _Refused(f"entry {info.filename!r} claims {info.compress_size} stored bytes, "
                       f"more than the file's {size}")
    if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
        raise _Refused(f"entry {info.filename!r} is stored, yet claims {info.file_size} bytes "
                       f"from {info.compress_size}")
    if info.file_size > MAX_DEFLATE_RATIO * max(info.compress_size, 1) + 1024:
        raise _Refused(f"entry {info.filename!r} claims to inflate from {info.compress_size} "
                       f"to {info.file_size} bytes")


def _npy_header(fp, name: str, info: zipfile.ZipInfo) -> Tuple[tuple, np.dtype, bool]:
    """Shape, dtype and order from a ``.npy`` header; its data size must match the entry's."""
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
    else:
        raise _Refused(f"entry '{name}' has .npy format version {version}")
    if dtype.hasobject:
        raise _Refused(f"entry '{name}' holds Python objects (dtype {dtype})")
    data = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if fp.tell() + data != info.file_size:
        raise _Refused(f"entry '{name}' declares shape {shape} of {dtype} ({data} bytes) but "
                       f"holds {info.file_size - fp.tell()} bytes of data")
    return tuple(shape), dtype, fortran


def _npy_data(fp, shape: tuple, dtype: np.dtype, fortran: bool, name: str) -> np.ndarray:
    """The array after its header (whose size was checked), then the end of the entry."""
    count = int(np.prod(shape, dtype=np.int64))
    raw = fp.read(count * dtype.itemsize)
    if len(raw) != count * dtype.itemsize or fp.read(1):   # reading to the end checks the CRC
        raise _Refused(f"entry '{name}' is truncated or too long")
    return np.frombuffer(raw, dtype=dtype, count=count).reshape(
        shape, order="F" if fortran else "C")


def _layer_specs(header) -> List[Tuple[type, dict]]:
    """(class, config) of every layer, after checking the JSON's structure."""
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        found = header.get("format") if isinstance(header, dict) else type(header).__name__
        raise _Refused(f"its format is {found!r}, expected {FORMAT!r}")
    if header.get("version") != FORMAT_VERSION:
        raise _Refused(f"format version {header.get('version')!r} is not supported "
                       f"(this mininn reads version {FORMAT_VERSION})")
    specs = header.get("layers")
    if not isinstance(specs, list) or not specs:
        raise _Refused(f"its 'layers' must be a non-empty list, got {type(specs).__name__}")
    out = []
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict):
            raise _Refused(f"layer {i} must be described by a dict, got {type(spec).__name__}")
        cls = SAVEABLE.get(spec.get("type")) if isinstance(spec.get("type"), str) else None
        if cls is None:
            raise _Refused(f"layer {i} has unknown type {spec.get('type')!r}")
        config = spec.get("config", {})
        if not isinstance(config, dict):
            raise _Refused(f"layer {i}'s config must be a dict, got {type(config).__name__}")
        out.append((cls, config))
    return out


def _parameter_shapes(i: int, cls: type, config: dict) -> Dict[str, tuple]:
    """Shapes of the parameters of layer ``i``, from its config alone (nothing allocated)."""
    if cls is Dense:
        if set(config) != {"n_in", "n_out"}:
            raise _Refused(f"layer {i} (Dense) must have config keys n_in and n_out, "
                           f"got {sorted(config)}")
        n_in, n_out = config["n_in"], config["n_out"]
        if not all(type(v) is int and v >= 1 for v in (n_in, n_out)):
            raise _Refused(f"layer {i} (Dense) needs integer sizes >= 1, got {config}")
        return {"W": (n_in, n_out), "b": (n_out,)}
    if cls is Conv2D:
        return _conv_shapes(i, config)
    try:
        layer = cls(**config)        # activations: no parameters, nothing large to build
    except (TypeError, ValueError) as exc:
        raise _Refused(f"layer {i} ({cls.__name__}) has a bad config {config}: {exc}") from None
    return {key: value.shape for key, value in layer.params.items()}


def _conv_shapes(i: int, config: dict) -> Dict[str, tuple]:
    """W (out, in, kh, kw) and b (out,) of a ``Conv2D`` config, checked, nothing built."""
    keys = {"in_channels", "out_channels", "kernel_size", "stride", "padding"}
    if set(config) != keys:
        raise _Refused(f"layer {i} (Conv2D) must have config keys {sorted(keys)}, "
                       f"got {sorted(config)}")
    kernel = config["kernel_size"]
    kernel = [kernel, kernel] if type(kernel) is int else kernel
    sizes = [config["in_channels"], config["out_channels"], config["stride"]]
    if not (isinstance(kernel, list) and len(kernel) == 2
            and all(type(v) is int and v >= 1 for v in sizes + kernel)
            and type(config["padding"]) is int and config["padding"] >= 0):
        raise _Refused(f"layer {i} (Conv2D) needs integer sizes >= 1 (padding >= 0) and a "
                       f"kernel_size int or [kh, kw], got {config}")
    c_in, c_out = config["in_channels"], config["out_channels"]
    return {"W": (c_out, c_in, *kernel), "b": (c_out,)}
