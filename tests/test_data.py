"""Tests of dlbook.data: generators, features, splits and text/label encodings."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from helpers import available_devices
from hypothesis import given
from hypothesis import strategies as st

from dlbook import data
from dlbook.models import mlp
from dlbook.training import evaluate, train

# ----------------------------------------------------------------------------- circles


def test_circles_shapes_and_dtypes():
    X, y = data.circles(40, seed=0)
    assert X.shape == (40, 2) and X.dtype == torch.float32
    assert y.shape == (40,) and y.dtype == torch.int64
    assert set(y.tolist()) <= {0, 1}


def test_circles_labels_follow_the_circle_without_noise():
    X, y = data.circles(200, radius=1.5, flip=0.0, seed=1)
    inside = (X.norm(dim=1) < 1.5).long()
    assert torch.equal(inside, y)


@pytest.mark.parametrize(("n", "flip"), [(100, 0.05), (60, 0.1), (33, 0.2), (10, 1.0)])
def test_circles_flips_exactly_the_requested_count(n, flip):
    X, y = data.circles(n, flip=flip, seed=2)
    inside = (X.norm(dim=1) < 1.0).long()
    assert int((inside != y).sum()) == round(flip * n)


def test_circles_seeding():
    a = data.circles(30, seed=3)
    b = data.circles(30, seed=3)
    c = data.circles(30, seed=4)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])


# -------------------------------------------------------------------------- regression


def test_noisy_line_without_noise_is_the_line():
    x, y = data.noisy_line(30, slope=-1.5, intercept=0.5, noise=0.0, seed=0)
    assert x.shape == y.shape == (30,)
    assert x.dtype == y.dtype == torch.float32
    assert bool(((x >= -1) & (x <= 1)).all())
    torch.testing.assert_close(y, -1.5 * x + 0.5)


def test_noisy_line_noise_level_and_seeding():
    x, y = data.noisy_line(4000, noise=0.5, seed=1)
    residual = y - (2 * x + 1)
    assert abs(float(residual.std()) - 0.5) < 0.03
    assert torch.equal(data.noisy_line(10, seed=5)[1], data.noisy_line(10, seed=5)[1])
    assert not torch.equal(data.noisy_line(10, seed=5)[1], data.noisy_line(10, seed=6)[1])


def test_noisy_sine_range_and_noise():
    x, y = data.noisy_sine(50, noise=0.0, seed=0)
    assert bool(((x >= 0) & (x <= 1)).all())
    torch.testing.assert_close(y, torch.sin(2 * torch.pi * x), atol=1e-5, rtol=0)
    assert torch.equal(data.noisy_sine(8, seed=2)[1], data.noisy_sine(8, seed=2)[1])


@pytest.mark.parametrize(
    ("fn", "kwargs", "error", "match"),
    [
        (data.noisy_line, {"n_samples": 0}, ValueError, "n_samples must be a positive"),
        (data.noisy_line, {"noise": -0.1}, ValueError, "noise must be >= 0"),
        (data.noisy_line, {"slope": "2"}, TypeError, "slope must be a real number"),
        (data.noisy_sine, {"noise": float("nan")}, ValueError, "noise must be finite"),
        (data.noisy_sine, {"seed": 1.0}, TypeError, "seed must be an integer"),
        (data.circles, {"n_samples": 0}, ValueError, "n_samples must be a positive integer"),
        (data.circles, {"n_samples": 2.5}, TypeError, "n_samples must be an integer"),
        (data.circles, {"df": 0.0}, ValueError, "df must be > 0"),
        (data.circles, {"radius": -1.0}, ValueError, "radius must be > 0"),
        (data.circles, {"flip": 1.5}, ValueError, "flip must be <= 1"),
        (data.circles, {"seed": -1}, ValueError, "seed must be an integer >= 0"),
        (data.xor, {"n_per_corner": 0}, ValueError, "n_per_corner must be a positive integer"),
        (data.xor, {"noise": -1.0}, ValueError, "noise must be >= 0"),
        (data.xor, {"seed": "a"}, TypeError, "seed must be an integer"),
        (data.blobs, {"n_samples": 1}, ValueError, "n_samples must be an integer >= 2"),
        (data.blobs, {"distance": 0.0}, ValueError, "distance must be > 0"),
        (data.blobs, {"std": -1.0}, ValueError, "std must be > 0"),
        (data.blobs, {"margin": -0.1}, ValueError, "margin must be >= 0"),
        (data.blobs, {"margin": 3.0}, ValueError, "margin must be smaller than distance"),
        (data.blobs, {"center": (1.0,)}, TypeError, "center must be a pair of numbers"),
        (data.blobs, {"center": "ab"}, TypeError, "center must be a pair of numbers"),
        (data.blobs, {"center": (1.0, "a")}, TypeError, r"center\[1\] must be a real number"),
        (data.first_symbol, {"n_samples": 0}, ValueError, "n_samples must be a positive integer"),
        (data.first_symbol, {"length": 0}, ValueError, "length must be a positive integer"),
        (data.first_symbol, {"n_symbols": 1}, ValueError, "n_symbols must be an integer >= 2"),
        (data.first_symbol, {"noise": -1.0}, ValueError, "noise must be >= 0"),
        (data.first_symbol, {"seed": -1}, ValueError, "seed must be an integer >= 0"),
        (data.first_symbol, {"length": 2.5}, TypeError, "length must be an integer"),
    ],
)
def test_generators_reject_bad_arguments(fn, kwargs, error, match):
    with pytest.raises(error, match=match):
        fn(**kwargs)


def test_polynomial_features_columns_are_powers():
    x = torch.tensor([0.5, -2.0, 3.0])
    features = data.polynomial_features(x, 3)
    assert features.shape == (3, 4)
    for p in range(4):
        torch.testing.assert_close(features[:, p], x**p)
    no_bias = data.polynomial_features(x[:, None], 3, bias=False)
    torch.testing.assert_close(no_bias, features[:, 1:])


def test_polynomial_features_integer_input_becomes_float():
    features = data.polynomial_features(np.array([1, 2]), 1)
    assert features.dtype == torch.float32


@pytest.mark.parametrize(
    ("x", "degree", "kwargs", "error", "match"),
    [
        (torch.zeros(3, 2), 2, {}, ValueError, r"x must have shape \(n_samples,\)"),
        (torch.zeros(3, 2, 1), 2, {}, ValueError, "x must have 1 or 2 dimension"),
        (torch.zeros(3), -1, {}, ValueError, "degree must be an integer >= 0"),
        (torch.zeros(3), 0, {"bias": False}, ValueError, "degree must be a positive integer"),
        ("abc", 1, {}, TypeError, "x must be a tensor or array"),
    ],
)
def test_polynomial_features_errors(x, degree, kwargs, error, match):
    with pytest.raises(error, match=match):
        data.polynomial_features(x, degree, **kwargs)


# --------------------------------------------------------------------------- splitting


def test_train_test_split_sizes_order_and_alignment():
    X = torch.arange(40).reshape(20, 2)
    y = torch.arange(20)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.3, seed=0)
    assert (len(X_train), len(X_test)) == (14, 6)
    assert torch.equal(X_train[:, 0], 2 * y_train)
    assert torch.equal(X_test[:, 0], 2 * y_test)
    together = torch.cat([y_train, y_test]).sort().values
    assert torch.equal(together, y)  # a partition of the rows


def test_train_test_split_types_and_counts():
    names = [f"doc{i}" for i in range(10)]
    array = np.arange(10)
    n_train, n_test, a_train, a_test = data.train_test_split(names, array, test_size=3, seed=1)
    assert isinstance(n_train, list) and isinstance(a_test, np.ndarray)
    assert len(n_test) == 3 and len(a_train) == 7
    assert [int(s[3:]) for s in n_test] == a_test.tolist()


def test_train_test_split_rounds_up_and_is_seeded():
    a = data.train_test_split(torch.arange(10), test_size=0.25, seed=3)
    b = data.train_test_split(torch.arange(10), test_size=0.25, seed=3)
    c = data.train_test_split(torch.arange(10), test_size=0.25, seed=4)
    assert len(a[1]) == 3  # ceil(2.5)
    assert torch.equal(a[1], b[1])
    assert not torch.equal(a[1], c[1])


@given(n=st.integers(2, 60), fraction=st.floats(0.01, 0.99))
def test_train_test_split_is_a_partition(n, fraction):
    if int(np.ceil(fraction * n)) >= n:
        return
    train, test = data.train_test_split(torch.arange(n), test_size=fraction, seed=0)
    assert len(test) == int(np.ceil(fraction * n))
    assert sorted(train.tolist() + test.tolist()) == list(range(n))


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((), {}, ValueError, "at least one array is required"),
        ((torch.zeros(5), torch.zeros(4)), {}, ValueError, "same number of samples"),
        ((torch.zeros(5),), {"test_size": 0.0}, ValueError, "test_size must be > 0"),
        ((torch.zeros(5),), {"test_size": 1.0}, ValueError, "fraction in"),
        ((torch.zeros(5),), {"test_size": 5}, ValueError, "leaves nothing to train on"),
        ((torch.zeros(5),), {"test_size": "half"}, TypeError, "test_size must be a real"),
        ((torch.zeros(5),), {"seed": -2}, ValueError, "seed must be"),
        (("abc",), {}, TypeError, r"arrays\[0\] must be a tensor, array or list"),
    ],
)
def test_train_test_split_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        data.train_test_split(*args, **kwargs)


def test_group_split_keeps_groups_whole():
    groups = torch.arange(30) // 3  # 10 groups of 3 rows
    X = torch.arange(30.0)[:, None]
    X_train, X_test, g_train, g_test = data.group_train_test_split(
        X, groups, groups=groups, test_size=0.3, seed=0
    )
    assert set(g_train.tolist()).isdisjoint(set(g_test.tolist()))
    assert len(set(g_test.tolist())) == 3  # ceil(0.3 * 10) groups
    assert len(X_test) == 9 and len(X_train) == 21
    assert torch.equal(X_test[:, 0].long() // 3, g_test)


def test_group_split_accepts_strings_and_arrays_and_is_seeded():
    patients = np.array(["ann", "ann", "bob", "cy", "cy", "dee"])
    rows = list(range(6))
    a = data.group_train_test_split(rows, groups=patients, test_size=2, seed=7)
    b = data.group_train_test_split(rows, groups=list(patients), test_size=2, seed=7)
    assert a == b
    test_patients = {patients[i] for i in a[1]}
    train_patients = {patients[i] for i in a[0]}
    assert len(test_patients) == 2 and test_patients.isdisjoint(train_patients)


@pytest.mark.parametrize(
    ("groups", "kwargs", "error", "match"),
    [
        ([0, 0, 0, 0], {}, ValueError, "at least two distinct groups"),
        ([0, 1, 2], {}, ValueError, "same number of samples"),
        ([0, 0, 1, 1], {"test_size": 2}, ValueError, "leaves nothing to train on"),
        ("abcd", {}, TypeError, "groups must be a tensor, array or list"),
    ],
)
def test_group_split_errors(groups, kwargs, error, match):
    with pytest.raises(error, match=match):
        data.group_train_test_split(torch.zeros(4), groups=groups, **kwargs)


# ------------------------------------------------------------------ classification toys


def test_xor_exact_truth_table():
    X, y = data.xor()
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert torch.equal(y, (X[:, 0].long() ^ X[:, 1].long()))


def test_xor_noisy_points_stay_near_their_corner():
    X, y = data.xor(25, noise=0.1, seed=0)
    assert X.shape == (100, 2) and y.shape == (100,)
    corners = X.round().clamp(0, 1).long()
    assert torch.equal(y, corners[:, 0] ^ corners[:, 1])
    assert float((X - data.xor(25)[0]).std()) == pytest.approx(0.1, rel=0.2)
    assert torch.equal(X, data.xor(25, noise=0.1, seed=0)[0])


@pytest.mark.parametrize("margin", [0.0, 0.5, 2.0])
def test_blobs_are_separable_with_the_margin(margin):
    X, y = data.blobs(101, margin=margin, seed=0)
    assert X.shape == (101, 2) and y.dtype == torch.int64
    assert int(y.sum()) == 51
    projection = X.double().sum(dim=1) / np.sqrt(2)
    assert float(projection[y == 1].min()) > margin / 2 - 1e-6
    assert float(projection[y == 0].max()) < -margin / 2 + 1e-6


def test_blobs_center_moves_the_separating_line():
    X, y = data.blobs(60, margin=1.0, center=(2.0, -1.0), seed=0)
    projection = (X.double() - torch.tensor([2.0, -1.0], dtype=torch.float64)).sum(dim=1)
    projection = projection / np.sqrt(2)
    assert float(projection[y == 1].min()) > 0.5 - 1e-6
    assert float(projection[y == 0].max()) < -0.5 + 1e-6
    assert abs(float(X.double().mean(dim=0)[0]) - 2.0) < 0.5


def test_blobs_seeding():
    assert torch.equal(data.blobs(20, seed=1)[0], data.blobs(20, seed=1)[0])
    assert not torch.equal(data.blobs(20, seed=1)[0], data.blobs(20, seed=2)[0])


# ------------------------------------------------------------------------ encodings


def test_one_hot_rows_and_shape():
    labels = torch.tensor([[0, 3], [2, 2]])
    encoded = data.one_hot(labels, num_classes=5)
    assert encoded.shape == (2, 2, 5) and encoded.dtype == torch.float32
    assert torch.equal(encoded.argmax(dim=-1), labels)
    assert torch.equal(encoded.sum(dim=-1), torch.ones(2, 2))


@given(st.lists(st.integers(0, 9), min_size=1, max_size=30))
def test_one_hot_inverts_argmax(labels):
    encoded = data.one_hot(labels)
    assert encoded.shape == (len(labels), max(labels) + 1)
    assert encoded.argmax(dim=1).tolist() == labels


@pytest.mark.parametrize(
    ("labels", "kwargs", "error", "match"),
    [
        ([0.0, 1.0], {}, TypeError, "labels must hold integers"),
        ([True, False], {}, TypeError, "labels must hold integers"),
        ([0, -1], {}, ValueError, "labels must be >= 0"),
        ([0, 4], {"num_classes": 3}, ValueError, "labels must be < num_classes=3"),
        ([0, 1], {"num_classes": 0}, ValueError, "num_classes must be a positive integer"),
        (np.array([], dtype=np.int64), {}, ValueError, "num_classes is required"),
        ("ab", {}, TypeError, "labels must be a tensor or array"),
    ],
)
def test_one_hot_errors(labels, kwargs, error, match):
    with pytest.raises(error, match=match):
        data.one_hot(labels, **kwargs)


def test_tokenize():
    assert data.tokenize("It's 2 o'clock, ISN'T it?") == ["it's", "2", "o'clock", "isn't", "it"]
    with pytest.raises(TypeError, match="text must be a string"):
        data.tokenize(3)


def test_bag_of_words_counts_and_one_hot():
    corpus = ["the cat sat on the mat", "the dog ate the cat"]
    bow = data.BagOfWords()
    counts = bow.fit_transform(corpus)
    assert bow.vocabulary == sorted(set(" ".join(corpus).split()))
    assert counts.shape == (2, len(bow.vocabulary))
    assert counts[0, bow.vocabulary.index("the")] == 2
    assert counts.sum(dim=1).tolist() == [6, 5]
    matrix = bow.one_hot(corpus[0])
    assert matrix.shape == (len(bow.vocabulary), 6)
    assert torch.equal(matrix.sum(dim=0), torch.ones(6))
    torch.testing.assert_close(matrix.sum(dim=1), counts[0])
    assert "vocabulary_size=7" in repr(bow)


def test_bag_of_words_ignores_unknown_words_and_min_count():
    bow = data.BagOfWords(min_count=2).fit(["a b b", "a c"])
    assert bow.vocabulary == ["a", "b"]
    assert bow.transform(["c c a zebra"]).tolist() == [[1.0, 0.0]]
    assert bow.one_hot("zebra").shape == (2, 0)


@pytest.mark.parametrize(
    ("action", "error", "match"),
    [
        (lambda b: b.transform(["x"]), ValueError, "call fit"),
        (lambda b: b.one_hot("x"), ValueError, "call fit"),
        (lambda b: b.fit("one string"), TypeError, "documents must be a list of strings"),
        (lambda b: b.fit(["ok", 3]), TypeError, r"documents\[1\] must be a string"),
        (lambda b: b.fit(["!!", "?"]), ValueError, "no words"),
        (lambda b: b.fit(["a"]).one_hot(["a"]), TypeError, "document must be a string"),
    ],
)
def test_bag_of_words_errors(action, error, match):
    with pytest.raises(error, match=match):
        action(data.BagOfWords())


def test_bag_of_words_min_count_error():
    with pytest.raises(ValueError, match="min_count must be a positive integer"):
        data.BagOfWords(min_count=0)


@pytest.mark.parametrize("device", available_devices())
def test_split_and_one_hot_keep_the_device(device):
    X = torch.arange(20.0, device=device).reshape(10, 2)
    X_train, X_test = data.train_test_split(X, seed=0)
    assert X_train.device.type == X_test.device.type == torch.device(device).type
    groups = torch.arange(10, device=device) // 2
    _, g_test = data.group_train_test_split(groups, groups=groups, seed=0)
    assert g_test.device.type == torch.device(device).type
    encoded = data.one_hot(torch.tensor([1, 0], device=device), 3)
    assert encoded.device.type == torch.device(device).type
    features = data.polynomial_features(torch.ones(3, device=device), 2)
    assert features.device.type == torch.device(device).type


def test_binary_inputs_enumerates_all_vectors():
    inputs = data.binary_inputs(3)
    assert inputs.shape == (8, 3) and inputs.dtype == torch.int64
    assert inputs.tolist() == [list(t) for t in itertools.product([0, 1], repeat=3)]


@pytest.mark.parametrize(
    ("n", "error", "match"),
    [(0, ValueError, "positive"), (17, ValueError, "at most 16"), (2.0, TypeError, "integer")],
)
def test_binary_inputs_errors(n, error, match):
    with pytest.raises(error, match=match):
        data.binary_inputs(n)


# ------------------------------------------------------------------ sequences


def test_first_symbol_shapes_labels_and_one_hot():
    X, y = data.first_symbol(50, length=7, n_symbols=5, seed=0)
    assert X.shape == (50, 7, 5) and X.dtype == torch.float32
    assert y.shape == (50,) and y.dtype == torch.int64
    torch.testing.assert_close(X.sum(dim=2), torch.ones(50, 7))
    assert torch.equal(X[:, 0].argmax(dim=1), y)
    assert set(y.tolist()) <= set(range(5))


def test_first_symbol_seed_reproducible_and_noise():
    a, _ = data.first_symbol(10, seed=3)
    b, _ = data.first_symbol(10, seed=3)
    c, _ = data.first_symbol(10, seed=4)
    assert torch.equal(a, b) and not torch.equal(a, c)
    noisy, y = data.first_symbol(10, noise=0.1, seed=3)
    assert not torch.equal(noisy, a)
    assert torch.equal(noisy[:, 0].argmax(dim=1), y)


def test_first_symbol_later_steps_carry_no_label_information():
    X, y = data.first_symbol(4000, length=3, n_symbols=2, seed=0)
    agree = (X[:, -1].argmax(dim=1) == y).float().mean()
    assert abs(float(agree) - 0.5) < 0.05


# ------------------------------------------------------------------ grouped rows
def test_patient_data_structure_and_seed():
    X, y, groups = data.patient_data(6, 4, n_features=3, seed=0)
    assert X.shape == (24, 3) and X.dtype == torch.float32
    assert groups.tolist() == [g for g in range(6) for _ in range(4)]
    per_patient = y.reshape(6, 4)
    assert bool((per_patient == per_patient[:, :1]).all())
    assert int(per_patient[:, 0].sum()) == 3  # half of the patients in each class
    X2, y2, g2 = data.patient_data(6, 4, n_features=3, seed=0)
    assert torch.equal(X, X2) and torch.equal(y, y2) and torch.equal(groups, g2)
    Xn, _, _ = data.patient_data(6, 4, n_features=3, noise=0.0, signal=0.0, seed=0)
    assert bool((Xn.reshape(6, 4, 3) == Xn.reshape(6, 4, 3)[:, :1]).all())


def test_random_split_overestimates_and_group_split_is_honest():
    X, y, groups = data.patient_data(30, 8, seed=0)
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, test_size=0.3, seed=0)
    Gtr, Gte, gytr, gyte, gtr, gte = data.group_train_test_split(
        X, y, groups, groups=groups, test_size=0.3, seed=0
    )
    assert not set(gtr.tolist()) & set(gte.tolist())
    scores = []
    for a, b, c, d in ((Xtr, Xte, ytr, yte), (Gtr, Gte, gytr, gyte)):
        model = mlp([10, 32, 2], seed=0)
        train(model, a, c, epochs=60, lr=0.02)
        scores.append(evaluate(model, b, d)["accuracy"])
    assert scores[0] > scores[1]


def test_grid_and_gaussian_clouds() -> None:
    with pytest.raises(ValueError, match="n_per_side must be an integer >= 2"):
        data.grid_cloud(1)
    g = data.grid_cloud(4, extent=1.0)
    assert g.shape == (16, 2) and g.min() == -1.0 and g.max() == 1.0
    a, b = data.gaussian_cloud(50, seed=3), data.gaussian_cloud(50, seed=3)
    np.testing.assert_array_equal(a, b)
    assert abs(a[:, 0].mean() - 1.0) < 0.6


@given(n=st.integers(2, 40), k=st.integers(2, 40), seed=st.integers(0, 10))
def test_k_fold_split_validates_every_row_exactly_once(n, k, seed):
    if k > n:
        with pytest.raises(ValueError, match=f"k must be at most n_samples \\({n}\\), got {k}"):
            data.k_fold_split(n, k, seed=seed)
        return
    folds = data.k_fold_split(n, k, seed=seed)
    assert len(folds) == k
    validated = torch.cat([val for _, val in folds])
    assert sorted(validated.tolist()) == list(range(n))  # a partition of the rows
    sizes = [len(val) for _, val in folds]
    assert max(sizes) - min(sizes) <= 1
    for rows, val in folds:
        assert rows.dtype == torch.int64 and len(rows) + len(val) == n
        assert not set(rows.tolist()) & set(val.tolist())


def test_k_fold_split_shuffles_like_train_test_split_and_repeats_with_its_seed():
    first = data.k_fold_split(12, 4, seed=3)
    again = data.k_fold_split(12, 4, seed=3)
    assert all(torch.equal(a[1], b[1]) for a, b in zip(first, again, strict=True))
    _, test = data.train_test_split(torch.arange(12), test_size=3, seed=3)
    assert torch.equal(first[0][1], test)  # the first fold is the same permutation's head
    with pytest.raises(ValueError, match="k must be an integer >= 2, got 1"):
        data.k_fold_split(12, 1)
    with pytest.raises(TypeError, match="n_samples must be an integer"):
        data.k_fold_split(12.0, 3)
