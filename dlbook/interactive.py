"""Softmax temperature, twice: a bar chart for a live kernel and a control for the static site.

:func:`temperature_control` returns a self-contained piece of HTML (a Bokeh
plot with a slider) that works in a web page with no Python kernel and no
network: BokehJS is embedded inline, and the probabilities for every slider
position are computed here by :func:`dlbook.functional.softmax` and shipped
with the page, so the browser only looks them up. Bokeh is an optional
dependency, imported when the control is built. Beside the HTML, the control
carries a PNG of its initial state (drawn with matplotlib), so that formats that
cannot run JavaScript, such as the PDF edition of the book, show a picture.

:func:`plot_softmax` draws the same distribution with matplotlib, for readers
running the notebook who can simply call it again with another temperature.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from matplotlib.axes import Axes

from ._axes import get_axes
from ._validation import as_tensor, check_float, check_int, describe
from .functional import entropy, softmax

__all__ = ["StaticHTML", "plot_softmax", "temperature_control"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class StaticHTML:
    """A piece of HTML that notebooks and the book display as it is.

    With ``png``, the output also carries that image (IPython's ``image/png``),
    the fallback of the HTML where it cannot run: in the book's PDF, whose
    builder prefers the image, or in a notebook viewer without JavaScript.

    Attributes
    ----------
    html : str
    png : bytes or None
    """

    def __init__(self, html: str, png: bytes | None = None) -> None:
        if not isinstance(html, str):
            raise TypeError(f"html must be a string, got {describe(html)}")
        if png is not None and (not isinstance(png, bytes) or not png.startswith(PNG_SIGNATURE)):
            raise TypeError(f"png must be the bytes of a PNG image or None, got {describe(png)}")
        self.html = html
        self.png = png

    def _repr_html_(self) -> str:
        return self.html

    def _repr_png_(self) -> bytes | None:
        return self.png

    def __repr__(self) -> str:
        return f"StaticHTML({len(self.html):,} characters)"

    def save(self, path: str) -> None:
        """Write a standalone HTML file."""
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(
                f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'></head><body>\n"
                f"{self.html}\n</body></html>\n"
            )


def _static_png(
    z: np.ndarray, temperature: float, names: list[str], title: str, size: tuple[int, int]
) -> bytes:
    """The bar chart at one temperature as PNG bytes, the size of the Bokeh plot.

    Drawn on a figure of its own (not pyplot's), so a notebook shows no extra figure.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dpi = 100
    fig = Figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    plot_softmax(z, temperature=temperature, labels=names, ax=ax)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=2 * dpi, facecolor="white")
    return buffer.getvalue()


def _logits(logits: Sequence[float] | np.ndarray | torch.Tensor) -> np.ndarray:
    z = as_tensor("logits", logits, ndim=1).detach().cpu().double().numpy()
    if len(z) < 2:
        raise ValueError(f"logits must hold at least 2 classes, got {len(z)}")
    return z


def _labels(labels: Sequence[str] | None, k: int) -> list[str]:
    if labels is None:
        return [f"class {i}" for i in range(k)]
    if isinstance(labels, (str, bytes)) or not isinstance(labels, (Sequence, np.ndarray)):
        raise TypeError(
            f"labels must be a sequence of names, one per logit, got {describe(labels)}"
        )
    labels = [str(v) for v in labels]
    if len(labels) != k:
        raise ValueError(f"labels must have one name per logit ({k}), got {len(labels)}")
    return labels


def temperature_control(
    logits: Sequence[float] | np.ndarray | torch.Tensor,
    *,
    labels: Sequence[str] | None = None,
    t_min: float = 0.1,
    t_max: float = 5.0,
    n_steps: int = 99,
    start: float = 1.0,
    width: int = 520,
    height: int = 300,
) -> StaticHTML:
    """A bar chart of ``softmax(logits / T)`` with a slider for ``T``, as self-contained HTML.

    Parameters
    ----------
    logits : array or Tensor of shape (n_classes,)
    labels : sequence of str, optional
        Class names; ``"class 0"``, ... by default.
    t_min, t_max : float, default 0.1 and 5.0
        Slider range (``0 < t_min < t_max``).
    n_steps : int, default 99
        Slider positions; each one's distribution is precomputed.
    start : float, default 1.0
        Initial temperature (moved to the nearest slider position).
    width, height : int
        Plot size in pixels; ``width`` is the largest width, and the control
        shrinks to fit a narrower page (a phone).

    Returns
    -------
    StaticHTML
        Displays itself in notebooks and in the book; it loads nothing from
        the network. Its ``png`` is a matplotlib drawing of the chart at the
        initial temperature, shown where the HTML cannot run (the PDF).

    Examples
    --------
    >>> control = temperature_control([2.0, 1.0, 0.1])  # doctest: +SKIP
    >>> "https://cdn" in control.html  # doctest: +SKIP
    False
    """
    z = _logits(logits)
    names = _labels(labels, len(z))
    t_min = check_float("t_min", t_min, minimum=0.0, strict_minimum=True)
    t_max = check_float("t_max", t_max)
    if not t_max > t_min:
        raise ValueError(f"t_max must be above t_min, got t_min={t_min}, t_max={t_max}")
    n_steps = check_int("n_steps", n_steps, minimum=2)
    start = check_float("start", start, minimum=t_min, maximum=t_max)
    width = check_int("width", width, minimum=100)
    height = check_int("height", height, minimum=100)
    try:
        from bokeh.embed import components
        from bokeh.layouts import column
        from bokeh.models import ColumnDataSource, CustomJS, Range1d, Slider  # type: ignore[attr-defined]
        from bokeh.plotting import figure
        from bokeh.resources import Resources
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("temperature_control needs bokeh: pip install bokeh") from err

    temps = np.linspace(t_min, t_max, n_steps)
    probs = np.stack([softmax(z, temperature=t) for t in temps])  # (n_steps, n_classes)
    ent = entropy(probs, axis=1)  # (n_steps,)
    i0 = int(np.argmin(np.abs(temps - start)))
    step = float(temps[1] - temps[0])

    def title(i: int) -> str:
        return f"T = {temps[i]:.2f}, entropy = {ent[i]:.3f} nats (max {np.log(len(z)):.3f})"

    source = ColumnDataSource({"label": names, "p": probs[i0].tolist()})
    x_range: Any = names  # bokeh accepts a list of factors here
    fig = figure(
        x_range=x_range,
        sizing_mode="stretch_width",
        max_width=width,
        height=height,
        title=title(i0),
        toolbar_location=None,
        tools="",
    )
    fig.vbar(x="label", top="p", width=0.7, source=source, color="#0072B2")
    fig.y_range = Range1d(start=0.0, end=1.0)
    fig.yaxis.axis_label = "probability"
    slider = Slider(
        start=t_min,
        end=t_max,
        value=float(temps[i0]),
        step=step,
        title="temperature T",
        sizing_mode="stretch_width",
        max_width=width,
    )
    table = {
        "probs": probs.round(6).tolist(),
        "ent": ent.round(4).tolist(),
        "temps": temps.round(4).tolist(),
        "logk": round(float(np.log(len(z))), 3),
    }
    slider.js_on_change(
        "value",
        CustomJS(
            args={"source": source, "fig": fig},
            code=(
                f"const tab = {json.dumps(table)};"
                f"const i = Math.max(0, Math.min(tab.probs.length - 1,"
                f" Math.round((cb_obj.value - {t_min}) / {step})));"
                "source.data = {label: source.data.label, p: tab.probs[i]};"
                "fig.title.text = 'T = ' + tab.temps[i].toFixed(2) + ', entropy = ' +"
                " tab.ent[i].toFixed(3) + ' nats (max ' + tab.logk.toFixed(3) + ')';"
            ),
        ),
    )
    script, div = components(column(slider, fig, sizing_mode="stretch_width", max_width=width))
    # BokehJS core and widgets only (about 1.6 MB), inline: no <script src=...> at all
    resources = Resources(mode="inline", components=["bokeh", "bokeh-widgets"])
    png = _static_png(z, float(temps[i0]), names, title(i0), (width, height))
    return StaticHTML(resources.render_js() + script + div, png=png)


def plot_softmax(
    logits: Sequence[float] | np.ndarray | torch.Tensor,
    temperature: float = 1.0,
    *,
    labels: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Bar chart of ``softmax(logits / temperature)``.

    Parameters
    ----------
    logits : array or Tensor of shape (n_classes,)
    temperature : float, default 1.0
    labels : sequence of str, optional
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> ax = plot_softmax([2.0, 1.0, 0.1], temperature=0.5)
    >>> len(ax.patches)
    3
    """
    z = _logits(logits)
    names = _labels(labels, len(z))
    p = softmax(z, temperature=temperature)
    ax = get_axes(ax, figsize=(4.5, 2.8))
    ax.bar(names, p, color="#0072B2")
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    ax.set_title(f"T = {float(temperature):g}, entropy = {float(entropy(p)):.3f} nats")
    return ax
