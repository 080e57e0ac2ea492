"""Tests of dlbook.interactive (the kernel-free figures) and of the chapters' figure builders."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from dlbook.demos import interactive_figures as figs
from dlbook.functional import entropy, softmax
from dlbook.interactive import (
    StaticHTML,
    figure_data,
    interactive_figure,
    plot_softmax,
    rounded,
    temperature_control,
)

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "dlbook" / "static" / "dlbook-figure.js"


@pytest.fixture(scope="module")
def control() -> StaticHTML:
    return temperature_control(
        [2.0, 1.0, 0.1], labels=["cat", "dog", "fox"], n_steps=5, t_min=0.5, t_max=2.5
    )


def _simple(**kwargs):
    frames = [{"series": [{"x": [0, 1], "y": [0, a]}], "text": f"slope {a}"} for a in (1, 2)]
    args = {
        "alt": "A line through the origin",
        "x_range": (0, 1),
        "y_range": (0, 2),
    } | kwargs
    return interactive_figure(frames, [{"label": "slope", "values": [1, 2]}], **args)


# ------------------------------------------------------------------ the renderer


def test_the_renderer_is_one_file_shipped_with_the_package() -> None:
    """Notebooks inline the file the site serves: both read dlbook/static/dlbook-figure.js."""
    import tomllib

    from dlbook.interactive import _renderer_source
    from tools import sphinx_a11y

    assert _renderer_source() == SCRIPT.read_text(encoding="utf-8")
    assert sphinx_a11y.package_static() / sphinx_a11y.FIGURE_SCRIPT == SCRIPT
    shipped = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["dlbook"]
    assert "static/*.js" in shipped
    assert len(SCRIPT.read_bytes()) < 20_000
    source = _renderer_source()
    assert "import " not in source and "require(" not in source


def test_outside_the_book_the_figure_carries_its_renderer(monkeypatch, control) -> None:
    monkeypatch.delenv("DLBOOK_BOOK_BUILD", raising=False)
    html = _simple().html
    assert html.count("<script>") == 1 and "window.dlbookFigure" in html
    assert not re.search(r"<script[^>]*\bsrc\s*=", html)  # nothing loaded from anywhere
    assert "bokeh" not in control.html.lower()


def test_in_the_book_the_page_loads_the_renderer(monkeypatch) -> None:
    monkeypatch.setenv("DLBOOK_BOOK_BUILD", "1")
    html = _simple().html
    assert "window.dlbookFigure" not in html
    assert re.findall(r"<script[^>]*>", html) == ['<script type="application/json">']
    from tools import sphinx_a11y

    assert sphinx_a11y.FIGURE_MARKER in html
    assert (sphinx_a11y.package_static() / sphinx_a11y.FIGURE_SCRIPT).exists()


def test_figure_has_a_fallback_image_with_alt_text() -> None:
    fig = _simple()
    img = re.search(r'<img class="dlf-fallback-img"[^>]*>', fig.html).group(0)
    assert 'alt="A line through the origin slope 1"' in img
    assert 'src="data:image/png;base64,' in img
    assert fig.png is not None and fig.png.startswith(b"\x89PNG")


def test_data_escapes_end_tags() -> None:
    fig = interactive_figure(
        [{"text": "</script><b>"}, {"text": "b"}],
        [{"label": "k", "values": ["a", "b"]}],
        alt="x",
        x_range=(0, 1),
        y_range=(0, 1),
    )
    assert "</script><b>" not in fig.html
    assert figure_data(fig)[0]["frames"][0]["text"] == "</script><b>"


def test_rounded() -> None:
    assert rounded([0.12345, float("nan"), float("inf")], 2) == [0.12, None, None]
    assert rounded(torch.tensor([[1.26]]), 1) == [[1.3]]
    assert rounded([2.4], 0) == [2]
    with pytest.raises(TypeError, match="values must be numbers"):
        rounded(["a"])


def test_interactive_figure_errors() -> None:
    good = [{"label": "k", "values": [0, 1]}]
    base = {"alt": "x", "x_range": (0, 1), "y_range": (0, 1)}
    with pytest.raises(ValueError, match=r"frames must hold one frame per setting .*\(2\), got 1"):
        interactive_figure([{}], good, **base)
    with pytest.raises(ValueError, match="controls must hold one or two controls, got 3"):
        interactive_figure([{}] * 8, good * 3, **base)
    with pytest.raises(ValueError, match=r"controls\[0\]\['kind'\] must be one of"):
        interactive_figure([{}, {}], [{"label": "k", "values": [0, 1], "kind": "knob"}], **base)
    with pytest.raises(ValueError, match=r"controls\[0\]\['initial'\] must be below 2"):
        interactive_figure([{}, {}], [{"label": "k", "values": [0, 1], "initial": 2}], **base)
    with pytest.raises(ValueError, match="alt must describe the figure"):
        interactive_figure([{}, {}], good, **(base | {"alt": " "}))
    with pytest.raises(ValueError, match="y_range must be positive on a log axis"):
        interactive_figure([{}, {}], good, **base, log_y=True)
    with pytest.raises(ValueError, match="x_range must have low < high"):
        interactive_figure([{}, {}], good, **(base | {"x_range": (1, 0)}))
    with pytest.raises(ValueError, match=r"must have as many x as y values, got 2 and 1"):
        interactive_figure([{"series": [{"x": [0, 1], "y": [0]}]}, {}], good, **base)
    with pytest.raises(TypeError, match=r"frames\[0\] must be a dict"):
        interactive_figure([3, {}], good, **base)
    with pytest.raises(TypeError, match="alt must be a string"):
        interactive_figure([{}, {}], good, **(base | {"alt": None}))
    with pytest.raises(TypeError, match="figure must be a StaticHTML"):
        figure_data(3)


# ------------------------------------------------------------ temperature control


def test_control_ships_the_precomputed_distributions(control: StaticHTML) -> None:
    (data,) = figure_data(control)
    assert len(data["frames"]) == 5
    temps = [float(v) for v in data["controls"][0]["values"]]
    for t, frame in zip(temps, data["frames"], strict=True):
        p = softmax(np.array([2.0, 1.0, 0.1]), temperature=t)
        np.testing.assert_allclose(frame["series"][0]["y"], p, atol=1e-4)
        assert f"entropy {float(entropy(p)):.3f} nats" in frame["text"]
    assert data["x_ticks"] == [[0.0, "cat"], [1.0, "dog"], [2.0, "fox"]]


def test_control_carries_a_png_fallback(control: StaticHTML) -> None:
    """Beside the HTML, the output bundle holds a PNG of the chart (for the PDF edition)."""
    formatters = pytest.importorskip("IPython.core.formatters")
    data, _ = formatters.format_display_data(control)
    assert {"text/html", "image/png"} <= set(data)
    png = data["image/png"]
    assert isinstance(png, bytes) and png.startswith(b"\x89PNG\r\n\x1a\n")
    image_module = pytest.importorskip("PIL.Image")
    with image_module.open(io.BytesIO(png)) as image:
        width, height = image.size
        assert image.mode in ("RGB", "RGBA")
        assert image.getpixel((2, 2))[:3] == (255, 255, 255)  # opaque white, for dark pages
    assert (width, height) == (2 * 520, 2 * 300)  # the figure's size, at twice the pixels


def test_png_fallback_is_optional_and_checked() -> None:
    assert StaticHTML("<b>x</b>")._repr_png_() is None
    with pytest.raises(TypeError, match="png must be the bytes of a PNG image"):
        StaticHTML("<b>x</b>", png=b"GIF89a")


def test_save_writes_a_page(tmp_path, control: StaticHTML) -> None:
    path = tmp_path / "control.html"
    control.save(str(path))
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_plot_softmax() -> None:
    ax = plot_softmax(np.array([2.0, 1.0, 0.1]), temperature=2.0, labels=["a", "b", "c"])
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights, softmax(np.array([2.0, 1.0, 0.1]), temperature=2.0))
    assert ax.get_title().startswith("T = 2")


def test_errors() -> None:
    with pytest.raises(ValueError, match="logits must hold at least 2 classes"):
        temperature_control([1.0])
    with pytest.raises(ValueError, match=r"labels must have one name per logit \(3\)"):
        plot_softmax([1.0, 2.0, 3.0], labels=["a"])
    with pytest.raises(ValueError, match=r"t_max must be above t_min, got t_min=0\.1, t_max=0\.1"):
        temperature_control([1.0, 2.0], t_max=0.1)
    with pytest.raises(ValueError, match="n_steps must be at most 1000"):
        temperature_control([1.0, 2.0], n_steps=5000)
    with pytest.raises(ValueError, match=r"temperature must be > 0\.0"):
        plot_softmax([1.0, 2.0], temperature=0.0)
    with pytest.raises(TypeError, match="html must be a string"):
        StaticHTML(3)


# ------------------------------------------------------------- chapter builders

#: Each builder at its defaults (as the chapters call them); small enough for a page.
BUILDERS = {
    "perceptron_boundary": figs.perceptron_boundary,
    "mlp_training": figs.mlp_training,
    "approximation_width": figs.approximation_width,
    "temperature_control": figs.softmax_temperature,
    "gradient_profile": figs.gradient_profile,
    "optimizer_paths": figs.optimizer_paths,
}


@pytest.fixture(scope="module")
def built() -> dict[str, StaticHTML]:
    return {name: build() for name, build in BUILDERS.items()}


@pytest.mark.parametrize("name", BUILDERS)
def test_builder_makes_a_small_accessible_figure(built, name: str) -> None:
    fig = built[name]
    (data,) = figure_data(fig)
    assert data["name"] == name and data["source"]["builder"] == name
    n_frames = int(np.prod([len(c["values"]) for c in data["controls"]]))
    assert len(data["frames"]) == n_frames >= 2
    assert all(f["text"] for f in data["frames"])
    assert len({f["text"] for f in data["frames"]}) == n_frames  # every setting differs
    assert len(data["alt"]) > 60
    assert len(fig.html) < 120_000, f"{name} is {len(fig.html):,} characters"
    assert fig.png is not None


def test_perceptron_counts_what_perceptron_predict_gets_wrong(built) -> None:
    from dlbook.data import blobs
    from dlbook.linear import perceptron_predict

    (data,) = figure_data(built["perceptron_boundary"])
    X, y = blobs(data["source"]["n_samples"], seed=data["source"]["seed"])
    angles, biases = data["source"]["angles"], data["source"]["biases"]
    counts = set()
    for i, a in enumerate(angles):
        for j, b in enumerate(biases):
            w = torch.tensor([np.cos(np.radians(a)), np.sin(np.radians(a))])
            wrong = int((perceptron_predict(X.double(), w, b) != y).sum())
            frame = data["frames"][i * len(biases) + j]
            assert f": {wrong} of {len(y)} points misclassified" in frame["text"]
            assert len(frame["series"][2]["x"]) == wrong
            counts.add(wrong)
    assert 0 in counts and max(counts) > len(y) // 2  # some setting separates, some fails


def test_mlp_training_learns_xor(built) -> None:
    (data,) = figure_data(built["mlp_training"])
    first, last = data["frames"][0]["text"], data["frames"][-1]["text"]
    loss = [float(re.search(r"loss ([\d.]+)", f["text"]).group(1)) for f in data["frames"]]
    assert first.startswith("step 0:") and "training accuracy 100%" in last
    assert loss[-1] < loss[0] / 10
    assert all("grid" in f for f in data["frames"])
    assert any(None in f["series"][0]["x"] or len(f["series"][0]["x"]) > 2 for f in data["frames"])


def test_approximation_reads_out_width_sweeps_errors(built) -> None:
    from dlbook.demos.approximation import width_sweep

    (data,) = figure_data(built["approximation_width"])
    widths = data["source"]["widths"]
    sweep = width_sweep(figs._bumpy, widths, method="knots")
    for frame, w, e in zip(data["frames"], widths, sweep.max_error, strict=True):
        assert frame["text"].startswith(f"width {w}: max error {e:.3g},")
        assert max(frame["series"][1]["y"]) == pytest.approx(e, abs=2e-3)  # the |error| curve
    assert sweep.max_error[-1] < sweep.max_error[0] / 10


def test_approximation_lstsq_matches_width_sweep() -> None:
    from dlbook.demos.approximation import width_sweep

    fig = figs.approximation_width(widths=[4, 16], method="lstsq")
    (data,) = figure_data(fig)
    sweep = width_sweep(figs._bumpy, [4, 16], method="lstsq")
    for frame, e in zip(data["frames"], sweep.rms_error, strict=True):
        assert f"root-mean-square error {e:.3g}" in frame["text"]


def test_gradient_profile_agrees_with_the_experiment(built) -> None:
    from dlbook.demos.gradients import vanishing_gradient_experiment

    (data,) = figure_data(built["gradient_profile"])
    src = data["source"]
    profiles = vanishing_gradient_experiment(
        depths=src["depth"],
        activations=["sigmoid"],
        inits=["default", "xavier", "he"],
        width=src["width"],
        n_samples=src["n_samples"],
        seed=src["seed"],
    )
    for k, p in enumerate(profiles):
        frame = data["frames"][k]  # sigmoid is the first activation
        assert frame["text"].startswith(f"sigmoid, {p.init} initialisation")
        assert f"ratio {p.ratio:.3g}" in frame["text"]
    assert profiles[0].ratio < 1e-6
    assert data["log_y"] and [c["kind"] for c in data["controls"]] == ["select", "select"]


def test_optimizer_paths_agree_with_descend(built) -> None:
    from dlbook.demos.optimizers import descend, ravine
    from dlbook.optim import SGD

    (data,) = figure_data(built["optimizer_paths"])
    src = data["source"]
    lrs, momenta = src["lrs"], src["momenta"]
    i, j = lrs.index(0.05), momenta.index(0.7)
    path, losses = descend(
        ravine, src["start"], lambda p: SGD(p, lr=0.05, momentum=0.7), steps=src["steps"]
    )
    frame = data["frames"][i * len(momenta) + j]
    assert frame["text"].endswith(f"loss after {src['steps']} steps {float(losses[-1]):.3g}")
    np.testing.assert_allclose(frame["series"][0]["x"], path[:, 0].numpy(), atol=1e-3)
    assert "diverging" in data["frames"][-len(momenta)]["text"]  # the largest rate, no momentum


def test_builder_errors() -> None:
    with pytest.raises(ValueError, match=r"biases must be increasing"):
        figs.perceptron_boundary(biases=[1.0, 0.0])
    with pytest.raises(ValueError, match=r"angles\[0\] must be <= 359.999"):
        figs.perceptron_boundary(angles=[400, 500])
    with pytest.raises(TypeError, match="angles must be a list of numbers"):
        figs.perceptron_boundary(angles="0, 90")
    with pytest.raises(ValueError, match="the controls make 400 frames"):
        figs.optimizer_paths(
            lrs=list(np.linspace(0.01, 0.1, 20)), momenta=list(np.linspace(0, 0.9, 20))
        )
    with pytest.raises(ValueError, match="steps must hold 2 to"):
        figs.mlp_training(steps=[0])
    with pytest.raises(ValueError, match="method must be one of 'knots', 'lstsq'"):
        figs.approximation_width(method="train")
    with pytest.raises(TypeError, match="f must be a function"):
        figs.approximation_width(f=3)
    with pytest.raises(ValueError, match="activations must hold at least 2 distinct names"):
        figs.gradient_profile(activations=["relu"])
    with pytest.raises(ValueError, match="activations must be one of"):
        figs.gradient_profile(activations=["relu", "swish!"], depth=3, width=4)
    with pytest.raises(ValueError, match="depth must be at most 60"):
        figs.gradient_profile(depth=100)
    with pytest.raises(ValueError, match="start must be a pair of numbers, got 3 values"):
        figs.optimizer_paths(start=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"momenta\[1\] must be <= 0.999"):
        figs.optimizer_paths(momenta=[0.0, 1.0])
    with pytest.raises(TypeError, match="logits must be a sequence of numbers"):
        figs.softmax_temperature("abc")
