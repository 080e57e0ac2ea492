"""Tests of dlbook.interactive: the static temperature control and the live bar chart."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest

from dlbook.functional import softmax
from dlbook.interactive import StaticHTML, plot_softmax, temperature_control

pytest.importorskip("bokeh")


@pytest.fixture(scope="module")
def control() -> StaticHTML:
    return temperature_control(
        [2.0, 1.0, 0.1], labels=["cat", "dog", "fox"], n_steps=5, t_min=0.5, t_max=2.5
    )


def test_control_is_self_contained(control: StaticHTML) -> None:
    html = control._repr_html_()
    assert "<script" in html and "Bokeh" in html
    assert not re.search(r"<script[^>]*\bsrc\s*=", html)  # nothing loaded from anywhere
    assert not re.search(r"<link[^>]*\bhref\s*=", html)
    assert "Slider" in html and "CustomJS" in html


def test_control_ships_the_precomputed_distributions(control: StaticHTML) -> None:
    unescaped = re.sub(r'\\+"', '"', control.html)  # the code sits inside escaped JSON
    table = json.loads(re.search(r"const tab = (\{.*?\});", unescaped).group(1))
    assert len(table["probs"]) == 5
    for t, p in zip(table["temps"], table["probs"], strict=True):
        np.testing.assert_allclose(p, softmax(np.array([2.0, 1.0, 0.1]), temperature=t), atol=1e-6)


def test_control_fits_a_narrow_page(control: StaticHTML) -> None:
    unescaped = re.sub(r'\\+"', '"', control.html)
    assert unescaped.count('"sizing_mode":"stretch_width"') >= 3  # column, slider and plot
    assert '"max_width":520' in unescaped and '"width":520' not in unescaped


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
    assert (width, height) == (2 * 520, 2 * 300)  # the Bokeh plot's size, at twice the pixels


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
    with pytest.raises(ValueError, match=r"temperature must be > 0\.0"):
        plot_softmax([1.0, 2.0], temperature=0.0)
    with pytest.raises(TypeError, match="html must be a string"):
        StaticHTML(3)
