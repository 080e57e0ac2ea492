"""Tests of dlbook.datasets: digits and an offline MNIST pipeline on tiny IDX files."""

from __future__ import annotations

import gzip
import hashlib
import os
import struct

import numpy as np
import pytest
import torch

from dlbook import datasets
from dlbook.datasets import download, load_digits, load_mnist, read_idx, sha256sum


def test_digits_split_shapes_range_and_stratification():
    data = load_digits()
    assert data.X_train.shape == (1347, 1, 8, 8) and data.X_test.shape == (450, 1, 8, 8)
    assert data.X_train.dtype == torch.float32 and data.y_train.dtype == torch.int64
    assert float(data.X_train.min()) == 0.0 and float(data.X_train.max()) == 1.0
    train_share = torch.bincount(data.y_train) / len(data.y_train)
    test_share = torch.bincount(data.y_test) / len(data.y_test)
    assert torch.allclose(train_share, test_share, atol=0.01)
    X_train, y_train, X_test, y_test = data  # unpacks
    assert len(X_train) + len(X_test) == len(y_train) + len(y_test) == 1797


def test_digits_split_is_fixed_by_seed_and_disjoint():
    a, b, c = load_digits(seed=0), load_digits(seed=0), load_digits(seed=1)
    assert torch.equal(a.X_test, b.X_test) and not torch.equal(a.X_test, c.X_test)
    flat = load_digits(flatten=True)
    assert flat.X_train.shape == (1347, 64)
    train_rows = {(*r.tolist(), int(t)) for r, t in zip(flat.X_train, flat.y_train, strict=True)}
    test_rows = {(*r.tolist(), int(t)) for r, t in zip(flat.X_test, flat.y_test, strict=True)}
    # the digits data contain a few exact duplicates; the split must not copy rows across
    assert len(test_rows - train_rows) >= len(test_rows) - 5


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"test_fraction": 0.0}, "strictly between 0 and 1"),
        ({"test_fraction": 1.5}, "<= 1.0"),
        ({"seed": -2}, "seed must be an integer >= 0"),
    ],
)
def test_digits_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_digits(**kwargs)


def _idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_read_idx_plain_and_gzip(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    plain = tmp_path / "x-idx3-ubyte"
    plain.write_bytes(_idx_bytes(images))
    packed = tmp_path / "x-idx3-ubyte.gz"
    packed.write_bytes(gzip.compress(_idx_bytes(images)))
    np.testing.assert_array_equal(read_idx(plain), images)
    np.testing.assert_array_equal(read_idx(packed), images)


def test_read_idx_other_types(tmp_path):
    values = np.array([1.5, -2.0], dtype=">f4")
    path = tmp_path / "f"
    path.write_bytes(bytes([0, 0, 0x0D, 1]) + struct.pack(">I", 2) + values.tobytes())
    np.testing.assert_array_equal(read_idx(path), values.astype(np.float32))


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        (b"\x01\x00\x08\x01", "two zero bytes"),
        (b"\x00\x00\x07\x01", "unknown IDX type code"),
        (b"\x00\x00\x08\x02\x00\x00", "truncated"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x03\x01", "holds 1 data bytes"),
    ],
)
def test_read_idx_errors(tmp_path, raw, match):
    path = tmp_path / "bad"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=match):
        read_idx(path)


def test_download_verifies_checksum_and_caches(tmp_path):
    source = tmp_path / "src.bin"
    source.write_bytes(b"hello")
    digest = hashlib.sha256(b"hello").hexdigest()
    target = tmp_path / "cache" / "file.bin"
    assert download(source.as_uri(), target, sha256=digest) == target
    assert target.read_bytes() == b"hello" and sha256sum(target) == digest
    source.unlink()  # a second call finds the verified file and does not fetch
    assert download(source.as_uri(), target, sha256=digest) == target


def test_download_rejects_bad_checksum_and_leaves_nothing(tmp_path):
    source = tmp_path / "src.bin"
    source.write_bytes(b"hello")
    target = tmp_path / "cache" / "file.bin"
    with pytest.raises(ValueError, match="checksum mismatch"):
        download(source.as_uri(), target, sha256="0" * 64)
    assert not target.exists() and list(target.parent.iterdir()) == []
    with pytest.raises(ValueError, match="64-character hex digest"):
        download(source.as_uri(), target, sha256="abc")
    with pytest.raises(TypeError, match="url must be a string"):
        download(3, target, sha256="0" * 64)


@pytest.fixture
def fake_mnist(tmp_path, monkeypatch):
    """Tiny MNIST-like gzip IDX files served from a file:// mirror, with their checksums."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    rng = np.random.default_rng(0)
    files = {}
    for split, n in (("train", 6), ("test", 4)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        files[split] = {}
        for part, array in (("images", images), ("labels", labels)):
            name = datasets.MNIST_FILES[split][part][0]
            blob = gzip.compress(_idx_bytes(array))
            (mirror / name).write_bytes(blob)
            files[split][part] = (name, hashlib.sha256(blob).hexdigest())
        files[split]["arrays"] = (images, labels)
    monkeypatch.setattr(
        datasets, "MNIST_FILES", {s: {p: files[s][p] for p in ("images", "labels")} for s in files}
    )
    return mirror.as_uri() + "/", files


def test_load_mnist_downloads_parses_and_caches(tmp_path, fake_mnist):
    mirror, files = fake_mnist
    root = tmp_path / "root"
    X, y = load_mnist("test", root=root, mirrors=["file:///nonexistent/", mirror])
    images, labels = files["test"]["arrays"]
    assert X.shape == (4, 1, 28, 28) and X.dtype == torch.float32
    torch.testing.assert_close(X[:, 0], torch.from_numpy(images / 255.0).float())
    assert torch.equal(y, torch.from_numpy(labels.astype(np.int64)))
    X2, _ = load_mnist("test", root=root, download_missing=False, flatten=True)
    assert X2.shape == (4, 784)


def test_load_mnist_errors(tmp_path, fake_mnist):
    with pytest.raises(FileNotFoundError, match="download_missing=False"):
        load_mnist("train", root=tmp_path / "empty", download_missing=False)
    with pytest.raises(OSError, match="could not download"):
        load_mnist("train", root=tmp_path / "r", mirrors=["file:///nonexistent/"])
    with pytest.raises(ValueError, match="split must be one of"):
        load_mnist("validation", root=tmp_path)
    with pytest.raises(ValueError, match="mirrors must be a non-empty"):
        load_mnist("train", root=tmp_path / "r2", mirrors=[])


def test_load_mnist_never_uses_network_by_default(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(
        datasets,
        "download",
        lambda url, path, sha256: calls.append(url) or (_ for _ in ()).throw(OSError("offline")),
    )
    with pytest.raises(OSError, match="could not download"):
        load_mnist("test", root=tmp_path)
    assert calls[0].startswith(datasets.MNIST_MIRRORS[0]) and len(calls) == len(
        datasets.MNIST_MIRRORS
    )


def test_real_checksums_and_default_dir(monkeypatch, tmp_path):
    digests = [d for split in datasets.MNIST_FILES.values() for _, d in split.values()]
    assert len(set(digests)) == 4 and all(len(d) == 64 for d in digests)
    monkeypatch.setenv("DLBOOK_DATA", str(tmp_path))
    assert datasets.default_data_dir() == tmp_path
    monkeypatch.delenv("DLBOOK_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert datasets.default_data_dir() == tmp_path / "dlbook"


def test_digits_match_scikit_learn():
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    data = load_digits(flatten=True)
    X = torch.cat([data.X_train, data.X_test])
    y = torch.cat([data.y_train, data.y_test])
    expected = torch.from_numpy(bunch.data / 16.0).float()
    # the same multiset of (image, label) rows, whatever the order
    key = lambda a, b: sorted(zip(map(tuple, a.tolist()), b.tolist(), strict=True))  # noqa: E731
    assert key(X, y) == key(expected, torch.from_numpy(bunch.target))


# ---------------------------------------------------------- interrupted downloads


def test_truncated_gzip_is_the_documented_value_error(tmp_path):
    packed = gzip.compress(_idx_bytes(np.arange(100, dtype=np.uint8)))
    path = tmp_path / "x-idx1-ubyte.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValueError, match="not a complete gzip file"):
        read_idx(path)
    path.write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="not a complete gzip file"):
        read_idx(path)
    with pytest.raises(FileNotFoundError):  # a missing file stays what it is
        read_idx(tmp_path / "missing.gz")
    with pytest.raises(TypeError, match="path must be a path"):
        read_idx(3)


def test_mirrors_given_as_one_string_is_refused(tmp_path, fake_mnist):
    mirror, _ = fake_mnist
    with pytest.raises(TypeError, match="mirrors must be a sequence of URL strings, got one"):
        load_mnist("test", root=tmp_path / "r", mirrors=mirror)
    with pytest.raises(TypeError, match="mirrors must be a list or tuple"):
        load_mnist("test", root=tmp_path / "r", mirrors=3)


def test_download_argument_errors(tmp_path):
    digest = hashlib.sha256(b"x").hexdigest()
    with pytest.raises(ValueError, match="url must be a URL"):
        download("", tmp_path / "f", sha256=digest)
    with pytest.raises(TypeError, match="path must be a path"):
        download("file:///x", None, sha256=digest)
    with pytest.raises(ValueError, match="64-character hex digest"):
        download("file:///x", tmp_path / "f", sha256="z" * 64)
    with pytest.raises(ValueError, match="timeout must be > 0"):
        download("file:///x", tmp_path / "f", sha256=digest, timeout=0)
    assert list(tmp_path.iterdir()) == []


KILLED_DOWNLOAD = """
import http.server, sys, threading, time
from dlbook.datasets import download

class Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        self.wfile.write(b"x" * 1000)
        self.wfile.flush()
        time.sleep(600)  # never finishes: the parent kills this process meanwhile

    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{server.server_address[1]}/file.bin"
download(url, sys.argv[1], sha256="0" * 64)
"""


def test_a_killed_download_leaves_a_part_file_that_the_next_one_removes(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    target = tmp_path / "cache" / "file.bin"
    child = subprocess.Popen([sys.executable, "-c", KILLED_DOWNLOAD, str(target)])
    try:
        deadline = time.monotonic() + 60
        while not any(target.parent.glob(".file.bin.*.part")):  # the download has begun
            assert child.poll() is None, "the download process ended early"
            assert time.monotonic() < deadline, "the download never started"
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    left = list(target.parent.glob(".file.bin.*.part"))
    assert len(left) == 1 and str(child.pid) in left[0].name  # SIGKILL: no clean-up ran
    # a download of another file, in progress in this process, is left alone
    busy = target.parent / f".other.bin.{os.getpid()}.abc.part"
    busy.write_bytes(b"")
    source = tmp_path / "src.bin"
    source.write_bytes(b"hello")
    download(source.as_uri(), target, sha256=hashlib.sha256(b"hello").hexdigest())
    assert sorted(p.name for p in target.parent.iterdir()) == [busy.name, "file.bin"]
