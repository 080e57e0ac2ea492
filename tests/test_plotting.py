"""Tests of dlbook.plotting: helpers return their Axes, draw what they should, reject bad input."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.image import AxesImage

from dlbook.models import mlp, mlp_from_parameters
from dlbook.plotting import (
    BOOK_STYLE,
    CLASS_COLORS,
    OKABE_ITO,
    plot_boundary,
    plot_decision_surface,
    plot_history,
    plot_lines,
    plot_neuron_map,
    plot_points,
    plot_units_1d,
    set_book_style,
)
from dlbook.training import History

X4 = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y4 = torch.tensor([0, 1, 1, 0])


@pytest.fixture
def restore_rcparams():
    saved = mpl.rcParams.copy()
    yield
    mpl.rcParams.update(saved)


# ---------------------------------------------------------------- style


def test_set_book_style_applies_style(restore_rcparams):
    set_book_style()
    assert mpl.rcParams["figure.dpi"] == BOOK_STYLE["figure.dpi"]
    assert mpl.rcParams["axes.spines.top"] is False


def test_book_style_is_colour_blind_safe_and_starts_with_the_class_colours():
    cycle = [c["color"].upper() for c in BOOK_STYLE["axes.prop_cycle"]]
    assert cycle[:2] == [c.upper() for c in CLASS_COLORS]
    assert set(cycle) <= set(OKABE_ITO), set(cycle) - set(OKABE_ITO)
    assert len(set(cycle)) == len(cycle)


def test_book_style_figures_are_opaque_white(restore_rcparams):
    """Figures keep a white background whatever the page behind them (the dark theme)."""
    import io

    from PIL import Image

    pylabtools = pytest.importorskip("IPython.core.pylabtools")
    mpl.rcParams["figure.facecolor"] = (1, 1, 1, 0)  # the notebook inline backend's default
    set_book_style()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    png = pylabtools.print_figure(fig, "png")  # how the inline backend renders a figure
    plt.close(fig)
    with Image.open(io.BytesIO(png)) as image:
        corner = image.convert("RGBA").getpixel((1, 1))
    assert corner == (255, 255, 255, 255)


def test_helpers_do_not_change_global_style():
    before = dict(mpl.rcParams)
    plot_points(X4, Y4)
    plot_lines(torch.ones(1, 2))
    plot_units_1d(mlp([1, 2, 1], seed=0), resolution=10)
    assert dict(mpl.rcParams) == before


# ---------------------------------------------------------------- plot_points


def test_plot_points_one_collection_per_class_with_colours():
    ax = plot_points(X4, Y4)
    assert isinstance(ax, Axes)
    collections = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(collections) == 2
    assert [len(c.get_offsets()) for c in collections] == [2, 2]
    for collection, color in zip(collections, CLASS_COLORS, strict=False):
        np.testing.assert_allclose(collection.get_facecolor()[0], mpl.colors.to_rgba(color))
    np.testing.assert_allclose(collections[1].get_offsets(), [[0.0, 1.0], [1.0, 0.0]])


def test_plot_points_uses_given_axes_and_accepts_arrays():
    _, ax = plt.subplots()
    assert plot_points(X4.numpy(), Y4.numpy(), ax=ax) is ax


def test_plot_points_rejects_non_axes():
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes or None"):
        plot_points(X4, Y4, ax="left")


# ---------------------------------------------------------------- plot_decision_surface


def _linear_logit_model(w1: float, w2: float, b: float) -> torch.nn.Module:
    """A 2-D -> 1 model whose single logit is ``w1 x1 + w2 x2 + b``."""
    return mlp_from_parameters([(torch.tensor([[w1, w2]]), torch.tensor([b]))])


def test_plot_decision_surface_draws_filled_contours_boundary_and_points():
    model = mlp([2, 4, 2], seed=0)
    ax = plot_decision_surface(model, X4, Y4, resolution=20, colorbar=False)
    assert isinstance(ax, Axes)
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(points) == 2
    assert ax.get_xlim() == (-3.0, 3.0)


def test_plot_decision_surface_boundary_is_where_probability_is_one_half():
    # logit x1 - 1: the 0.5 contour is the vertical line x1 = 1
    ax = plot_decision_surface(_linear_logit_model(1.0, 0.0, -1.0), resolution=21, colorbar=False)
    boundary = ax.collections[1]
    vertices = np.concatenate([path.vertices for path in boundary.get_paths()])
    assert len(vertices) > 0
    np.testing.assert_allclose(vertices[:, 0], 1.0, atol=0.01)  # linear interpolation on a grid


def test_plot_decision_surface_two_logits_use_softmax():
    # logits (0, x2): P(class 1) = sigmoid(x2), boundary on x2 = 0
    model = mlp_from_parameters([(torch.tensor([[0.0, 0.0], [0.0, 1.0]]), torch.zeros(2))])
    ax = plot_decision_surface(model, resolution=21, colorbar=False)
    vertices = np.concatenate([path.vertices for path in ax.collections[1].get_paths()])
    np.testing.assert_allclose(vertices[:, 1], 0.0, atol=1e-6)


def test_plot_decision_surface_colorbar_and_extent():
    model = mlp([2, 3, 1], seed=0)
    ax = plot_decision_surface(model, extent=(-1, 2, -3, 0), resolution=10)
    assert len(ax.figure.axes) == 2  # the plot and its colour bar
    assert ax.get_xlim() == (-1.0, 2.0) and ax.get_ylim() == (-3.0, 0.0)


def test_plot_decision_surface_leaves_training_mode():
    model = mlp([2, 3, 2], seed=0)
    model.train()
    plot_decision_surface(model, resolution=5, colorbar=False)
    assert model.training


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"extent": (0, 1, 0)}, ValueError, r"extent must be \(xmin, xmax, ymin, ymax\)"),
        ({"extent": (1, 0, 0, 1)}, ValueError, "xmin < xmax and ymin < ymax"),
        ({"resolution": 1}, ValueError, "resolution must be an integer >= 2"),
        ({"X": X4}, ValueError, "X and y must be given together"),
    ],
)
def test_plot_decision_surface_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_decision_surface(mlp([2, 3, 2], seed=0), **kwargs)


def test_plot_decision_surface_rejects_bad_models():
    with pytest.raises(TypeError, match=r"model must be a torch\.nn\.Module"):
        plot_decision_surface(lambda x: x)
    with pytest.raises(ValueError, match=r"logits of shape \(n, 2\) or \(n, 1\).*got \(25, 3\)"):
        plot_decision_surface(mlp([2, 3], seed=0), resolution=5)


# ---------------------------------------------------------------- plot_neuron_map


def test_plot_neuron_map_shows_the_unit():
    # unit 0 of layer 1 is relu(x1): its image must equal max(x1, 0) on the grid
    net = mlp_from_parameters([([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]), ([[1.0, 1.0]], [0.0])])
    ax = plot_neuron_map(net, layer=1, unit=0, resolution=5, extent=(-2, 2, -1, 1))
    assert isinstance(ax, Axes)
    (image,) = [a for a in ax.get_children() if isinstance(a, AxesImage)]
    values = np.asarray(image.get_array())
    expected = np.tile(np.maximum(np.linspace(-2, 2, 5), 0), (5, 1))
    np.testing.assert_allclose(values, expected, atol=1e-6)
    assert ax.get_title() == "layer 1, unit 0"
    assert list(image.get_extent()) == [-2.0, 2.0, -1.0, 1.0]


def test_plot_neuron_map_deeper_layer_and_title():
    model = mlp([2, 4, 3, 2], seed=0)
    ax = plot_neuron_map(model, layer=2, unit=2, resolution=4, title="deep unit")
    assert ax.get_title() == "deep unit"


@pytest.mark.parametrize(
    ("layer", "unit", "error", "match"),
    [
        (3, 0, ValueError, "layer must be between 1 and 2 for this model, got 3"),
        (0, 0, ValueError, "layer must be a positive integer, got 0"),
        (1, 4, ValueError, "unit must be below the width 4 of layer 1, got 4"),
        (1, -1, ValueError, "unit must be an integer >= 0, got -1"),
        (1.0, 0, TypeError, "layer must be an integer"),
    ],
)
def test_plot_neuron_map_rejects_bad_layer_or_unit(layer, unit, error, match):
    with pytest.raises(error, match=match):
        plot_neuron_map(mlp([2, 4, 3, 2], seed=0), layer=layer, unit=unit, resolution=3)


# ---------------------------------------------------------------- plot_history


def test_plot_history_draws_training_and_validation_curves():
    history = History(loss=[1.0, 0.5, 0.25], val_loss=[1.1, 0.7, 0.6])
    ax = plot_history(history, log=True)
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.0, 0.5, 0.25])
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [1, 2, 3])
    assert ax.get_yscale() == "log"
    assert ax.get_legend() is not None


def test_plot_history_training_only_has_no_legend():
    ax = plot_history(History(loss=[0.3, 0.2]))
    assert len(ax.lines) == 1 and ax.get_legend() is None


def test_plot_history_rejects_bad_input():
    with pytest.raises(TypeError, match="history must be a dlbook History"):
        plot_history([1.0, 0.5])
    with pytest.raises(ValueError, match="history holds no epochs to plot"):
        plot_history(History())


# ---------------------------------------------------------------- plot_lines


def test_plot_lines_draws_each_line_where_it_should():
    W = torch.tensor([[1.0, 1.0], [0.0, 2.0]])
    b = torch.tensor([-1.0, 1.0])
    ax = plot_lines(W, b, extent=(-2, 2, -2, 2))
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 2
    for line, w, offset in zip(ax.lines, W.numpy(), b.numpy(), strict=False):
        xy = np.column_stack([line.get_xdata(), line.get_ydata()])
        np.testing.assert_allclose(xy @ w + offset, 0.0, atol=1e-9)
    assert ax.get_xlim() == (-2.0, 2.0)


def test_plot_lines_arrows_point_to_positive_side():
    ax = plot_lines(np.array([[1.0, 0.0]]), np.array([-0.5]), colors=["black"])
    (arrow,) = ax.texts
    tip, tail = np.asarray(arrow.xy), np.asarray(arrow.xyann)
    assert tip[0] - 0.5 > 0 and abs(tail[0] - 0.5) < 1e-9
    assert ax.lines[0].get_color() == "black"


def test_plot_lines_without_bias_or_arrows():
    ax = plot_lines([[0.0, 1.0], [1.0, 0.0]], arrows=False)
    assert len(ax.lines) == 2 and not ax.texts
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 0.0, atol=1e-9)  # the line y = 0


def test_plot_lines_rejects_bad_extent():
    with pytest.raises(ValueError, match="xmin < xmax"):
        plot_lines(torch.ones(1, 2), extent=(1, -1, 0, 1))


# ---------------------------------------------------------------- plot_units_1d


def test_plot_units_1d_draws_units_and_their_sum():
    W1, b1 = [[1.0], [-1.0]], [0.0, 0.0]
    W2, b2 = [[2.0, 3.0]], [0.5]
    net = mlp_from_parameters([(W1, b1), (W2, b2)])
    ax = plot_units_1d(net, extent=(-1, 1), resolution=5)
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 3
    x = np.linspace(-1, 1, 5)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 2 * np.maximum(x, 0), atol=1e-6)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), 3 * np.maximum(-x, 0), atol=1e-6)
    total = 0.5 + 2 * np.maximum(x, 0) + 3 * np.maximum(-x, 0)
    np.testing.assert_allclose(ax.lines[2].get_ydata(), total, atol=1e-6)


def test_plot_units_1d_output_only():
    ax = plot_units_1d(mlp([1, 4, 1], seed=0), show_units=False, resolution=10)
    assert len(ax.lines) == 1


@pytest.mark.parametrize(
    ("model", "error", "match"),
    [
        (torch.nn.Linear(1, 1), TypeError, "model must be a torch.nn.Sequential"),
        (mlp([2, 3, 1], seed=0), ValueError, r"Linear\(1, H\) -> activation -> Linear\(H, 1\)"),
        (mlp([1, 3, 3, 1], seed=0), ValueError, "got Linear -> ReLU -> Linear -> ReLU -> Linear"),
        (mlp([1, 3, 2], seed=0), ValueError, r"Linear\(H, 1\)"),
    ],
)
def test_plot_units_1d_rejects_other_models(model, error, match):
    with pytest.raises(error, match=match):
        plot_units_1d(model)


def test_plot_units_1d_rejects_bad_extent_and_resolution():
    model = mlp([1, 2, 1], seed=0)
    with pytest.raises(ValueError, match=r"extent must be \(xmin, xmax\)"):
        plot_units_1d(model, extent=(1, 0))
    with pytest.raises(ValueError, match="resolution must be an integer >= 2"):
        plot_units_1d(model, resolution=1)


def test_plot_boundary_line_lies_on_the_boundary_and_arrow_is_w():
    _, ax = plt.subplots()
    out = plot_boundary(torch.tensor([1.0, 1.0]), -1.0, ax=ax, label="b")
    assert out is ax
    xs, ys = ax.lines[0].get_data()
    np.testing.assert_allclose(np.asarray(xs) + np.asarray(ys), 1.0, atol=1e-9)
    arrow = ax.texts[0]
    start, end = np.array(arrow.xyann), np.array(arrow.xy)
    np.testing.assert_allclose(end - start, np.array([1.0, 1.0]) / np.sqrt(2), atol=1e-9)
    assert ax.get_xlim() == (-2.0, 2.0)


def test_plot_boundary_vertical_line_and_options():
    ax = plot_boundary(np.array([2.0, 0.0]), 1.0, shade=False, normal=False)
    xs, _ = ax.lines[0].get_data()
    np.testing.assert_allclose(xs, -0.5, atol=1e-9)
    assert not ax.texts and not ax.collections


@pytest.mark.parametrize(
    ("w", "b", "kwargs", "error", "match"),
    [
        ([0.0, 0.0], 0.0, {}, ValueError, "w must not be the zero vector"),
        ([1.0, 0.0, 1.0], 0.0, {}, ValueError, r"w must have shape \(2,\)"),
        ([1.0, 0.0], 0.0, {"extent": (1, 0, 0, 1)}, ValueError, "extent must have xmin < xmax"),
        ([1.0, 0.0], 0.0, {"ax": "axes"}, TypeError, "ax must be a matplotlib Axes"),
    ],
)
def test_plot_boundary_errors(w, b, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_boundary(w, b, **kwargs)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: plot_points(torch.zeros(4, 3), Y4),
            ValueError,
            r"X must have shape \(n_samples, 2\), got \(4, 3\)",
        ),
        (lambda: plot_points(torch.zeros(4), Y4), ValueError, r"X must have 2 dimension"),
        (
            lambda: plot_points(X4, torch.zeros(3)),
            ValueError,
            "same number of samples, got 4 and 3",
        ),
        (lambda: plot_points("points", Y4), TypeError, "X must be a tensor or array"),
        (
            lambda: plot_lines(torch.ones(2, 3), None),
            ValueError,
            r"weight must have shape \(n_samples, 2\)",
        ),
        (lambda: plot_lines(torch.ones(2), None), ValueError, r"weight must have 2 dimension"),
        (
            lambda: plot_lines(torch.ones(2, 2), torch.ones(3)),
            ValueError,
            r"bias must have shape \(2,\)",
        ),
        (
            lambda: plot_lines(torch.tensor([[1.0, 0.0], [0.0, 0.0]]), None),
            ValueError,
            "weight row 1 is zero",
        ),
        (lambda: plot_lines("w", None), TypeError, "weight must be a tensor or array"),
    ],
)
def test_plots_reject_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_decision_surface_names_a_model_that_does_not_take_two_features():
    X, y = torch.zeros(4, 2), torch.tensor([0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"model must take points of the plane.*takes 3 features"):
        plot_decision_surface(mlp([3, 4, 2], seed=0), X, y, resolution=5)
    ax = plot_decision_surface(mlp([2, 4, 2], seed=0).double(), X, y, resolution=5)  # float64
    assert ax.get_xlim() == (-3.0, 3.0)
