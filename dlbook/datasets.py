"""Real image data sets: scikit-learn's 8x8 digits (bundled) and MNIST (downloaded).

:func:`load_digits` needs no network: the 1,797 images ship inside
scikit-learn. :func:`load_mnist` downloads the four MNIST files once into a
cache directory, verifies each against its SHA-256 checksum, and parses the
IDX format (:func:`read_idx`). Nothing is downloaded on import.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
import os
import shutil
import struct
import tempfile
import time
import urllib.request
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ._validation import check_choice, check_float, check_int, describe

__all__ = [
    "MNIST_FILES",
    "MNIST_MIRRORS",
    "Split",
    "default_data_dir",
    "download",
    "load_digits",
    "load_mnist",
    "read_idx",
    "sha256sum",
]


@dataclass(frozen=True)
class Split:
    """A data set split into training and test parts.

    Attributes
    ----------
    X_train : Tensor of shape (n_train, ...)
    y_train : Tensor of shape (n_train,), int64
    X_test : Tensor of shape (n_test, ...)
    y_test : Tensor of shape (n_test,), int64
    """

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor

    def __iter__(self):  # allows ``X_train, y_train, X_test, y_test = split``
        return iter((self.X_train, self.y_train, self.X_test, self.y_test))


def _stratified_order(
    y: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a seeded split that keeps each class's share in both parts."""
    rng = np.random.default_rng(seed)
    train_parts, test_parts = [], []
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        n_test = round(test_fraction * len(members))
        test_parts.append(members[:n_test])
        train_parts.append(members[n_test:])
    return np.sort(np.concatenate(train_parts)), np.sort(np.concatenate(test_parts))


@functools.lru_cache(maxsize=1)
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits as float32 images in [0, 1] and int64 labels (read once).

    The CSV file that scikit-learn ships is read directly, which avoids the
    slow import of ``sklearn.datasets``; its own loader is the fallback.
    """
    spec = importlib.util.find_spec("sklearn")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    csv = Path(locations[0]) / "datasets" / "data" / "digits.csv.gz" if locations else None
    if csv is not None and csv.is_file():
        table = np.loadtxt(csv, delimiter=",")  # (1797, 65): 64 pixels, then the label
        pixels, target = table[:, :-1].reshape(-1, 8, 8), table[:, -1]
    else:  # pragma: no cover - depends on how scikit-learn is installed
        from sklearn.datasets import load_digits as sklearn_digits

        bunch = sklearn_digits()
        pixels, target = bunch.images, bunch.target
    images = pixels.astype(np.float32) / 16.0
    labels = target.astype(np.int64)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def load_digits(
    *,
    test_fraction: float = 0.25,
    seed: int = 0,
    flatten: bool = False,
) -> Split:
    """scikit-learn's 8x8 handwritten digits as tensors, with a fixed stratified split.

    The 1,797 grey-scale images (16 intensity levels) are scaled to [0, 1].
    The split is stratified by class and depends only on ``seed``, so every
    chapter and test that asks for the same seed sees the same examples.

    Parameters
    ----------
    test_fraction : float, default 0.25
        Share of each class held out for testing, strictly between 0 and 1.
    seed : int, default 0
        Seed of the split.
    flatten : bool, default False
        Return images as 64-vectors instead of 1x8x8 arrays.

    Returns
    -------
    Split
        ``X_*`` float32 of shape ``(n, 1, 8, 8)`` (or ``(n, 64)`` when
        ``flatten``), ``y_*`` int64 labels 0-9.

    Examples
    --------
    >>> data = load_digits()
    >>> data.X_train.shape, data.X_test.shape
    (torch.Size([1347, 1, 8, 8]), torch.Size([450, 1, 8, 8]))
    >>> float(data.X_train.max())
    1.0
    """
    test_fraction = check_float("test_fraction", test_fraction, minimum=0.0, maximum=1.0)
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be strictly between 0 and 1, got {test_fraction}")
    seed = check_int("seed", seed, minimum=0)
    images, labels = _digits_arrays()  # (1797, 8, 8) in [0, 1], (1797,)
    train_index, test_index = _stratified_order(labels, test_fraction, seed)
    X = torch.tensor(images)
    X = X.reshape(len(X), 64) if flatten else X.unsqueeze(1)  # (N, 64) or (N, 1, 8, 8)
    y = torch.tensor(labels)
    return Split(X[train_index], y[train_index], X[test_index], y[test_index])


#: Where the MNIST files are fetched from, tried in order (each URL ends in "/").
MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

#: The four MNIST files by split and part, with the SHA-256 of each gzip file.
MNIST_FILES: dict[str, dict[str, tuple[str, str]]] = {
    "train": {
        "images": (
            "train-images-idx3-ubyte.gz",
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        ),
        "labels": (
            "train-labels-idx1-ubyte.gz",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        ),
    },
    "test": {
        "images": (
            "t10k-images-idx3-ubyte.gz",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        ),
        "labels": (
            "t10k-labels-idx1-ubyte.gz",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        ),
    },
}


def default_data_dir() -> Path:
    """The cache directory for downloaded data.

    ``$DLBOOK_DATA`` if set, else ``$XDG_CACHE_HOME/dlbook``, else
    ``~/.cache/dlbook``. It is not created here.

    Examples
    --------
    >>> default_data_dir().name in ("dlbook", os.environ.get("DLBOOK_DATA", "dlbook"))
    True
    """
    if os.environ.get("DLBOOK_DATA"):
        return Path(os.environ["DLBOOK_DATA"])
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "dlbook"


def _as_path(name: str, value: Any) -> Path:
    if isinstance(value, bool) or not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike), got {describe(value)}")
    path = Path(value)
    if not str(value):
        raise ValueError(f"{name} must not be empty")
    return path


def sha256sum(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 digest of a file, read in chunks.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    str
        64 lowercase hexadecimal characters.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "empty"
    ...     _ = p.write_bytes(b"")
    ...     sha256sum(p)[:16]
    'e3b0c44298fc1c14'
    """
    digest = hashlib.sha256()
    with open(_as_path("path", path), "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


#: A partial download is named ``.<file>.<pid>.<random>.part``: the process that writes it.
_PART_SUFFIX = ".part"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _remove_stale_parts(path: Path) -> list[Path]:
    """Delete partial downloads of ``path`` left by processes that no longer run.

    A download killed with SIGKILL (or a power cut) cannot clean up after
    itself; the next download of the same file does. Partial files of a
    download still running (another process, or another thread of this one)
    are left alone.
    """
    removed = []
    for part in path.parent.glob(f".{path.name}.*{_PART_SUFFIX}"):
        fields = part.name[len(path.name) + 2 : -len(_PART_SUFFIX)].split(".")
        if not fields[0].isdigit() or _pid_alive(int(fields[0])):
            continue
        try:
            part.unlink()
            removed.append(part)
        except FileNotFoundError:  # removed by someone else meanwhile
            pass
    # Partial files of earlier versions of dlbook (<file><random>.part) carry no pid.
    for part in path.parent.glob(f"{path.name}*{_PART_SUFFIX}"):
        if part != path and time.time() - part.stat().st_mtime > 3600:
            part.unlink(missing_ok=True)
            removed.append(part)
    return removed


def download(url: str, path: str | os.PathLike[str], *, sha256: str, timeout: float = 60.0) -> Path:
    """Download ``url`` to ``path`` unless a file with the right checksum is already there.

    The data go to a temporary file in the same directory, named after the
    process that writes it, and are renamed to ``path`` only once their
    SHA-256 matches, so an interrupted or corrupted download never leaves a
    file that looks valid. A temporary file is removed when the download fails;
    one left by a process that was killed outright is removed by the next
    download of the same file.

    Parameters
    ----------
    url : str
        Any URL ``urllib`` opens (``https://``, ``http://``, ``file://``).
    path : str or os.PathLike
        Destination file; its directory is created if needed.
    sha256 : str
        Expected hex digest (64 characters).
    timeout : float, default 60.0
        Seconds to wait for the server.

    Returns
    -------
    pathlib.Path
        The verified file.

    Raises
    ------
    ValueError
        If the downloaded data do not have the expected checksum, or ``url``
        is not a URL.
    OSError
        If the URL cannot be read.
    """
    if not isinstance(url, str):
        raise TypeError(f"url must be a string, got {describe(url)}")
    path = _as_path("path", path)
    if (
        not isinstance(sha256, str)
        or len(sha256) != 64
        or any(c not in "0123456789abcdefABCDEF" for c in sha256)
    ):
        raise ValueError(f"sha256 must be a 64-character hex digest, got {describe(sha256)}")
    timeout = check_float("timeout", timeout, minimum=0.0, strict_minimum=True)
    if path.exists() and sha256sum(path) == sha256.lower():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_parts(path)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=_PART_SUFFIX
    )
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                source = urllib.request.urlopen(url, timeout=timeout)
            except ValueError as err:  # not a URL at all
                raise ValueError(f"url must be a URL such as https://..., got {url!r}") from err
            with source:
                shutil.copyfileobj(source, out)
        got = sha256sum(temporary)
        if got != sha256.lower():
            raise ValueError(f"checksum mismatch for {url}: expected SHA-256 {sha256}, got {got}")
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path


_IDX_TYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (the format of MNIST), gzip-compressed or not.

    An IDX file starts with two zero bytes, a type code (0x08 for unsigned
    bytes), the number of dimensions ``d``, then ``d`` big-endian 32-bit
    sizes, then the data in row-major order.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.gz`` file is decompressed on the fly.

    Returns
    -------
    numpy.ndarray
        Of the stored shape and type (``uint8`` for MNIST).

    Raises
    ------
    ValueError
        If the header is malformed, the data are shorter or longer than it
        says, or a ``.gz`` file is truncated or not gzip data.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "tiny-idx1-ubyte"
    ...     _ = p.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]))
    ...     read_idx(p)
    array([7, 8, 9], dtype=uint8)
    """
    path = _as_path("path", path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.read()
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise ValueError(
            f"{path} is not a complete gzip file ({type(err).__name__}: {err}); delete it "
            "and download it again"
        ) from err
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(
            f"path {str(path)!r} is not an IDX file: it must start with two zero bytes"
        )
    code, ndim = raw[2], raw[3]
    if code not in _IDX_TYPES:
        raise ValueError(f"{path} has unknown IDX type code {code:#04x}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path} is truncated: its header promises {ndim} dimension sizes")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = _IDX_TYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{path} holds {len(raw) - header} data bytes, but its header {shape} needs {expected}"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def load_mnist(
    split: str = "train",
    *,
    root: str | os.PathLike[str] | None = None,
    download_missing: bool = True,
    mirrors: Sequence[str] | None = None,
    flatten: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Load MNIST's training (60,000) or test (10,000) images, downloading them once.

    The two gzip files of the split are looked up in ``root``; missing ones
    are downloaded from the first mirror that answers and verified against
    the SHA-256 in :data:`MNIST_FILES`.

    Parameters
    ----------
    split : {"train", "test"}, default "train"
    root : str or os.PathLike, optional
        Cache directory; default ``default_data_dir() / "mnist"``.
    download_missing : bool, default True
        Download files that are not in ``root``; with False a missing file
        raises ``FileNotFoundError``.
    mirrors : sequence of str, optional
        Base URLs ending in "/" to try in order; default :data:`MNIST_MIRRORS`.
    flatten : bool, default False
        Return images as 784-vectors instead of 1x28x28 arrays.

    Returns
    -------
    X : Tensor of shape (n, 1, 28, 28) or (n, 784), float32
        Pixel intensities scaled to [0, 1].
    y : Tensor of shape (n,), int64
        Digit labels 0-9.
    """
    check_choice("split", split, MNIST_FILES)
    root_path = default_data_dir() / "mnist" if root is None else _as_path("root", root)
    if isinstance(mirrors, (str, bytes)):
        raise TypeError(
            f"mirrors must be a sequence of URL strings, got one string {mirrors!r}: "
            "pass [url] for a single mirror"
        )
    if mirrors is not None and not isinstance(mirrors, (list, tuple)):
        raise TypeError(f"mirrors must be a list or tuple of URL strings, got {describe(mirrors)}")
    if not isinstance(download_missing, bool):
        raise TypeError(f"download_missing must be a bool, got {describe(download_missing)}")
    bases = MNIST_MIRRORS if mirrors is None else tuple(mirrors)
    if not bases or not all(isinstance(b, str) for b in bases):
        raise ValueError(
            f"mirrors must be a non-empty sequence of URL strings, got {describe(mirrors)}"
        )
    arrays = {}
    for part, (filename, checksum) in MNIST_FILES[split].items():
        path = root_path / filename
        if not (path.exists() and sha256sum(path) == checksum):
            if not download_missing:
                raise FileNotFoundError(
                    f"{path} is missing or has the wrong checksum, and download_missing=False"
                )
            errors = []
            for base in bases:
                try:
                    download(base + filename, path, sha256=checksum)
                    break
                except (OSError, ValueError) as err:
                    errors.append(f"{base}: {err}")
            else:
                raise OSError(f"could not download {filename}; tried " + "; ".join(errors))
        arrays[part] = read_idx(path)
    images, labels = arrays["images"], arrays["labels"]
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"MNIST {split} files do not match: images {images.shape}, labels {labels.shape}"
        )
    X = torch.from_numpy(images.astype(np.float32) / 255.0)  # (N, H, W)
    X = X.reshape(len(X), -1) if flatten else X.unsqueeze(1)  # (N, H*W) or (N, 1, H, W)
    return X, torch.from_numpy(labels.astype(np.int64))
