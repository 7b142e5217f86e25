"""The 1,797 8x8 handwritten digits shipped with mininn (``load_digits``)."""
from __future__ import annotations

from importlib import resources
from typing import Tuple

import numpy as np

_DIGITS_N_SAMPLES = 1797
_DIGITS_IMAGE_SHAPE = (8, 8)
_DIGITS_MAX_PIXEL = 16


def load_digits() -> Tuple[np.ndarray, np.ndarray]:
    """The 1,797 8x8 handwritten digits, pixels scaled to ``[0, 1]``.

    Each image is the count of "on" pixels in a 4x4 block of a 32x32 bitmap,
    so raw values are integers ``0..16``; here ``X = raw / 16``. Images are
    flattened row by row: pixel ``(r, c)`` is column ``8 * r + c``, so
    ``X[i].reshape(8, 8)`` shows digit ``i``.

    The data are read from the file ``mininn/data/digits.npz`` shipped with
    the package (never downloaded). Every call returns fresh arrays.

    Returns
    -------
    X : ndarray of shape (1797, 64), float64
        Pixel intensities in ``[0, 1]``.
    y : ndarray of shape (1797,), int64
        Digit labels ``0..9`` (174 to 183 images per digit).

    Raises
    ------
    ValueError
        If the shipped file is missing keys or holds arrays of the wrong shape
        or range (a corrupt or foreign file).

    Notes
    -----
    Source and licence: the 8x8 images of the "Optical Recognition of
    Handwritten Digits" data set by E. Alpaydin and C. Kaynak (1998), UCI
    Machine Learning Repository, https://doi.org/10.24432/C50P49, licensed
    under Creative Commons Attribution 4.0 (CC BY 4.0). They are the same
    1,797 images that scikit-learn ships as ``sklearn.datasets.load_digits``,
    from which ``digits.npz`` was extracted once, outside this package (see
    ``mininn/data/README.md``); mininn itself never imports scikit-learn.

    References
    ----------
    .. [1] E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten
       Digits", UCI Machine Learning Repository, 1998.
       https://doi.org/10.24432/C50P49

    Examples
    --------
    >>> X, y = load_digits()
    >>> X.shape, y.shape, float(X.min()), float(X.max())
    ((1797, 64), (1797,), 0.0, 1.0)
    """
    source = resources.files("mininn").joinpath("data/digits.npz")
    with resources.as_file(source) as path:
        with np.load(path, allow_pickle=False) as data:
            missing = {"images", "target"} - set(data.files)
            if missing:
                raise ValueError(
                    f"digits file {path} must hold arrays 'images' and 'target', "
                    f"missing {sorted(missing)}; got {sorted(data.files)}"
                )
            images = np.array(data["images"])
            target = np.array(data["target"])

    expected_images = (_DIGITS_N_SAMPLES,) + _DIGITS_IMAGE_SHAPE
    if images.shape != expected_images or target.shape != (_DIGITS_N_SAMPLES,):
        raise ValueError(
            f"digits file must hold images of shape {expected_images} and target "
            f"of shape ({_DIGITS_N_SAMPLES},), got {images.shape} and {target.shape}"
        )
    if images.min() < 0 or images.max() > _DIGITS_MAX_PIXEL:
        raise ValueError(
            f"digits images must lie in [0, {_DIGITS_MAX_PIXEL}], "
            f"got [{images.min()}, {images.max()}]"
        )
    if target.min() < 0 or target.max() > 9:
        raise ValueError(
            f"digits target must lie in [0, 9], got [{target.min()}, {target.max()}]"
        )

    X = images.reshape(_DIGITS_N_SAMPLES, -1).astype(np.float64) / _DIGITS_MAX_PIXEL
    y = target.astype(np.int64)
    return X, y
