"""Figures that run in the web page with no kernel, and the softmax bar chart for a live one.

:func:`interactive_figure` turns frames computed by dlbook (one per setting of one or
two sliders or selects; each a few line, scatter or bar series, an optional heat-map
grid and a line of text) into a piece of HTML drawn in SVG by a small renderer with no
dependency (``static/dlbook-figure.js`` of the package, about 14 kB). In the book's
build (``DLBOOK_BOOK_BUILD=1``) the page loads that renderer once, as a static file of
the site; anywhere else (Jupyter, Colab) the HTML carries it inline, so the figure works
offline. The browser only looks the frames up. Each figure also carries a PNG of its
initial state (drawn with matplotlib): the image of the PDF edition, and inside the
HTML the picture that readers without JavaScript see.

The controls are native ``<input type="range">`` and ``<select>`` elements with labels,
operable from the keyboard; the readout is an ``aria-live`` region, and the SVG has the
figure's alt text. Colours follow the site's light and dark themes (``data-theme``).

:func:`temperature_control` is the softmax chapter's figure built on it;
:func:`plot_softmax` draws the same distribution with matplotlib, for readers running
the notebook who can simply call it again with another temperature.
"""

from __future__ import annotations

import base64
import functools
import html as html_lib
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import numpy as np
import torch
from matplotlib.axes import Axes

from ._axes import get_axes
from ._validation import as_tensor, check_float, check_int, check_sequence, describe
from .functional import entropy, softmax

__all__ = [
    "PALETTE",
    "StaticHTML",
    "figure_data",
    "interactive_figure",
    "plot_softmax",
    "rounded",
    "temperature_control",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: The series colours (Okabe and Ito's colour-blind-safe palette), by index; the
#: renderer uses lighter variants of the same hues in the dark theme.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#555555")
#: The name of the renderer among the site's static files.
SCRIPT_NAME = "dlbook-figure.js"


@functools.cache
def _renderer_source() -> str:
    """The text of the figures' renderer, ``static/dlbook-figure.js`` of the package.

    The site serves the same file (``tools/sphinx_a11y.py`` adds the package's
    ``static`` folder to its static files); a notebook inlines this text.
    """
    return (resources.files("dlbook") / "static" / SCRIPT_NAME).read_text(encoding="utf-8")


SERIES_KINDS = ("line", "scatter", "bar")
CONTROL_KINDS = ("range", "select")


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


def rounded(values: Any, digits: int = 3) -> list[Any]:
    """``values`` as a (nested) list of floats rounded to ``digits`` decimals, for JSON.

    Not-a-number and infinite entries become ``None`` (a gap in a line).

    Parameters
    ----------
    values : array-like or Tensor
    digits : int, default 3
        Decimals kept (>= 0).

    Returns
    -------
    list

    Examples
    --------
    >>> rounded([0.12345, float("nan")], 2)
    [0.12, None]
    """
    digits = check_int("digits", digits, minimum=0)
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().double().numpy()
    try:
        a = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"values must be numbers, got {describe(values)}") from err
    as_list = np.where(np.isfinite(a), a, np.nan).tolist()

    def clean(v: Any) -> Any:
        if isinstance(v, list):
            return [clean(u) for u in v]
        if math.isnan(v):
            return None
        r = round(v, digits)  # Python's round is correctly rounded; np.round is not
        return int(r) if digits == 0 else r

    return clean(as_list)


def _check_text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {describe(value)}")
    return value


def _check_range(name: str, value: Any, *, log: bool = False) -> list[float]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a pair (low, high), got {describe(value)}")
    if len(value) != 2:
        raise ValueError(f"{name} must be a pair (low, high), got {len(value)} values")
    lo, hi = (check_float(f"{name}[{i}]", v) for i, v in enumerate(value))
    if not lo < hi:
        raise ValueError(f"{name} must have low < high, got ({lo}, {hi})")
    if log and lo <= 0:
        raise ValueError(f"{name} must be positive on a log axis (log_y=True), got ({lo}, {hi})")
    return [lo, hi]


def _check_controls(controls: Any) -> list[dict[str, Any]]:
    if isinstance(controls, Mapping) or not isinstance(controls, Sequence):
        raise TypeError(f"controls must be a list of controls, got {describe(controls)}")
    if not 1 <= len(controls) <= 2:
        raise ValueError(f"controls must hold one or two controls, got {len(controls)}")
    out = []
    for k, c in enumerate(controls):
        if not isinstance(c, Mapping):
            raise TypeError(f"controls[{k}] must be a dict, got {describe(c)}")
        label = _check_text(f"controls[{k}]['label']", c.get("label"))
        kind = c.get("kind", "range")
        if kind not in CONTROL_KINDS:
            raise ValueError(
                f"controls[{k}]['kind'] must be one of 'range', 'select', got {describe(kind)}"
            )
        values = c.get("values")
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
            raise TypeError(f"controls[{k}]['values'] must be a list, got {describe(values)}")
        if len(values) < 2:
            raise ValueError(
                f"controls[{k}]['values'] must hold at least 2 values, got {len(values)}"
            )
        initial = check_int(f"controls[{k}]['initial']", c.get("initial", 0), minimum=0)
        if initial >= len(values):
            raise ValueError(
                f"controls[{k}]['initial'] must be below {len(values)} (the number of values), "
                f"got {initial}"
            )
        out.append(
            {"label": label, "kind": kind, "values": [str(v) for v in values], "initial": initial}
        )
    return out


def _check_series(name: str, series: Any, n_styles: int) -> dict[str, Any]:
    if not isinstance(series, Mapping):
        raise TypeError(f"{name} must be a dict with 'x' and 'y', got {describe(series)}")
    s = series.get("s", 0)
    s = check_int(f"{name}['s']", s, minimum=0)
    if s >= max(n_styles, 1):
        raise ValueError(f"{name}['s'] must be below {max(n_styles, 1)} (the styles), got {s}")
    x: Any = series.get("x")
    y: Any = series.get("y")
    for key, v in (("x", x), ("y", y)):
        if isinstance(v, (str, bytes)) or not isinstance(v, (Sequence, np.ndarray)):
            raise TypeError(f"{name}['{key}'] must be a list of numbers, got {describe(v)}")
    if len(x) != len(y):
        raise ValueError(f"{name} must have as many x as y values, got {len(x)} and {len(y)}")
    return {**series, "s": s, "x": list(x), "y": list(y)}


def _check_styles(styles: Any) -> list[dict[str, Any]]:
    if isinstance(styles, Mapping) or not isinstance(styles, Sequence):
        raise TypeError(f"styles must be a list of dicts, got {describe(styles)}")
    out = []
    for i, st in enumerate(styles):
        if not isinstance(st, Mapping):
            raise TypeError(f"styles[{i}] must be a dict, got {describe(st)}")
        kind = st.get("kind", "line")
        if kind not in SERIES_KINDS:
            raise ValueError(
                f"styles[{i}]['kind'] must be one of 'line', 'scatter', 'bar', got {describe(kind)}"
            )
        out.append(
            {
                **st,
                "kind": kind,
                "color": check_int(f"styles[{i}]['color']", st.get("color", i), minimum=0),
            }
        )
    return out or [{"kind": "line", "color": 0}]


def _check_frames(frames: Any, n_frames: int, n_styles: int) -> list[dict[str, Any]]:
    if isinstance(frames, Mapping) or not isinstance(frames, Sequence):
        raise TypeError(f"frames must be a list of frames, got {describe(frames)}")
    if len(frames) != n_frames:
        raise ValueError(
            f"frames must hold one frame per setting of the controls ({n_frames}), "
            f"got {len(frames)}"
        )
    out = []
    for i, f in enumerate(frames):
        if not isinstance(f, Mapping):
            raise TypeError(f"frames[{i}] must be a dict, got {describe(f)}")
        frame: dict[str, Any] = {
            "series": [
                _check_series(f"frames[{i}]['series'][{j}]", s, n_styles)
                for j, s in enumerate(f.get("series", []))
            ],
            "text": _check_text(f"frames[{i}]['text']", f.get("text", "")),
        }
        if f.get("grid") is not None:
            grid = np.asarray(f["grid"], dtype=np.float64)
            if grid.ndim != 2 or grid.size == 0:
                raise ValueError(f"frames[{i}]['grid'] must be a 2-D grid, got shape {grid.shape}")
            frame["grid"] = rounded(np.clip(grid, -1.0, 1.0), 2)
        out.append(frame)
    return out


def interactive_figure(
    frames: Sequence[Mapping[str, Any]],
    controls: Sequence[Mapping[str, Any]],
    *,
    alt: str,
    x_range: Sequence[float],
    y_range: Sequence[float],
    x_label: str = "",
    y_label: str = "",
    log_y: bool = False,
    styles: Sequence[Mapping[str, Any]] = (),
    static: Sequence[Mapping[str, Any]] = (),
    x_ticks: Sequence[tuple[float, str]] | None = None,
    name: str = "figure",
    source: Mapping[str, Any] | None = None,
    width: int = 520,
    height: int = 320,
) -> StaticHTML:
    """A figure whose controls pick one of precomputed frames, as HTML that needs no kernel.

    Parameters
    ----------
    frames : list of dict
        One frame per setting of the controls, the last control varying fastest
        (frame ``i0 * len(values1) + i1`` for two controls). A frame is
        ``{"series": [...], "grid": ..., "text": "..."}``: each series is
        ``{"s": style_index, "x": [...], "y": [...]}`` (``None`` breaks a line);
        ``grid`` (optional) is a 2-D list of values in [-1, 1] drawn as a heat map
        over the plot (row 0 at the bottom), positive in blue, negative in orange;
        ``text`` is the readout.
    controls : list of one or two dicts
        ``{"label": "learning rate", "values": [...], "kind": "range" or "select",
        "initial": index}``; the values are shown as text.
    alt : str
        The figure's alt text (of the SVG and of the fallback image).
    x_range, y_range : pair of float
        The plot's limits (positive on a log axis).
    x_label, y_label : str, optional
    log_y : bool, default False
        A logarithmic y axis.
    styles : list of dict, optional
        Series styles, by index: ``kind`` ("line", "scatter" or "bar"), ``color``
        (index into :data:`PALETTE`), ``label`` (shown in the legend), ``dash``,
        ``size``, ``hollow``, ``width`` (of bars, in x units), ``line_width``,
        ``opacity``, ``markers`` (radius of dots at a line's points).
    static : list of dict, optional
        Series drawn under every frame (data points, contours).
    x_ticks : list of (position, text), optional
        Labelled x ticks (categories); nice numbers by default.
    name : str, default "figure"
        The figure's name (``data-name`` of its element, used by tests).
    source : dict, optional
        JSON-serialisable description of what was computed, kept in the data so
        that a test can compute the same with dlbook.
    width, height : int, default 520 and 320
        The drawing's size in pixels at full width; it shrinks with the page.

    Returns
    -------
    StaticHTML
        With a PNG of the initial frame (for the PDF and readers without
        JavaScript).

    Examples
    --------
    >>> frames = [{"series": [{"x": [0, 1], "y": [0, a]}], "text": f"slope {a}"} for a in (1, 2)]
    >>> fig = interactive_figure(frames, [{"label": "slope", "values": [1, 2]}],
    ...                          alt="A line", x_range=(0, 1), y_range=(0, 2))
    >>> 'type="range"' in fig.html or "dlbook-figure" in fig.html
    True
    """
    alt = _check_text("alt", alt)
    if not alt.strip():
        raise ValueError("alt must describe the figure, got an empty string")
    ctrl = _check_controls(controls)
    if not isinstance(log_y, bool):
        raise TypeError(f"log_y must be True or False, got {describe(log_y)}")
    xr = _check_range("x_range", x_range)
    yr = _check_range("y_range", y_range, log=log_y)
    st = _check_styles(styles)
    n_frames = int(np.prod([len(c["values"]) for c in ctrl]))
    fr = _check_frames(frames, n_frames, len(st))
    stat = [_check_series(f"static[{j}]", s, len(st)) for j, s in enumerate(static)]
    name = _check_text("name", name)
    width = check_int("width", width, minimum=100)
    height = check_int("height", height, minimum=100)
    spec: dict[str, Any] = {
        "name": name,
        "alt": alt,
        "controls": ctrl,
        "frames": fr,
        "styles": st,
        "static": stat,
        "x_range": xr,
        "y_range": yr,
        "x_label": _check_text("x_label", x_label),
        "y_label": _check_text("y_label", y_label),
        "log_y": log_y,
        "width": width,
        "height": height,
    }
    if x_ticks is not None:
        ticks = check_sequence("x_ticks", x_ticks)
        for i, tick in enumerate(ticks):
            if isinstance(tick, (str, bytes)) or not isinstance(tick, Sequence) or len(tick) != 2:
                raise TypeError(
                    f"x_ticks[{i}] must be a pair (position, text), got {describe(tick)}"
                )
        spec["x_ticks"] = [
            [check_float(f"x_ticks[{i}][0]", p), str(t)] for i, (p, t) in enumerate(ticks)
        ]
    if source is not None:
        if not isinstance(source, Mapping):
            raise TypeError(f"source must be a dict, got {describe(source)}")
        spec["source"] = dict(source)
    try:
        data = json.dumps(spec, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as err:
        raise TypeError(f"the frames must hold only numbers, strings and lists: {err}") from err
    initial = 0
    for c in ctrl:
        initial = initial * len(c["values"]) + c["initial"]
    png = _figure_png(spec, fr[initial], scale=2)
    small = _figure_png(spec, fr[initial], scale=1)
    readout = html_lib.escape(fr[initial]["text"])
    data = data.replace("</", "<\\/")  # no end tag inside the script element
    html = (
        f'<div class="dlbook-figure" data-name="{html_lib.escape(name)}">'
        f'<script type="application/json">{data}</script>'
        f'<img class="dlf-fallback-img" style="max-width:100%;height:auto" '
        f'width="{width}" height="{height}" alt="{html_lib.escape(alt)} {readout}" '
        f'src="data:image/png;base64,{base64.b64encode(small).decode("ascii")}">'
        "</div>"
    )
    from .notebook import in_book_build

    if not in_book_build():  # a notebook: the renderer inline, so that it works offline
        html += f"<script>{_renderer_source()}</script>"
    return StaticHTML(html, png=png)


def figure_data(figure: StaticHTML | str) -> list[dict[str, Any]]:
    """The data of every interactive figure in a piece of HTML (or a :class:`StaticHTML`).

    Parameters
    ----------
    figure : StaticHTML or str
        What :func:`interactive_figure` returned, or HTML holding such figures
        (a page of the book).

    Returns
    -------
    list of dict
        One per figure, in order: its controls, frames, styles and ``source``.

    Examples
    --------
    >>> fig = interactive_figure([{"text": "a"}, {"text": "b"}],
    ...                          [{"label": "k", "values": [0, 1]}],
    ...                          alt="Two frames", x_range=(0, 1), y_range=(0, 1))
    >>> [f["text"] for f in figure_data(fig)[0]["frames"]]
    ['a', 'b']
    """
    if isinstance(figure, StaticHTML):
        figure = figure.html
    if not isinstance(figure, str):
        raise TypeError(f"figure must be a StaticHTML or a string of HTML, got {describe(figure)}")
    pattern = re.compile(
        r'<div class="dlbook-figure[^"]*"[^>]*>\s*<script type="application/json">(.*?)</script>',
        re.S,
    )
    return [json.loads(m.group(1).replace("<\\/", "</")) for m in pattern.finditer(figure)]


def _figure_png(spec: dict[str, Any], frame: dict[str, Any], *, scale: int) -> bytes:
    """One frame drawn with matplotlib, at ``scale`` times the figure's pixel size.

    Drawn on a figure of its own (not pyplot's), so a notebook shows no extra figure.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    dpi = 100
    fig = Figure(figsize=(spec["width"] / dpi, spec["height"] / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    styles = spec["styles"]
    if "grid" in frame:
        grid = np.array([[np.nan if v is None else v for v in row] for row in frame["grid"]])
        cmap = ListedColormap(
            [(0.84, 0.37, 0.0, 0.45 * (1 - t)) for t in np.linspace(0, 1, 64)]
            + [(0.0, 0.45, 0.7, 0.45 * t) for t in np.linspace(0, 1, 64)]
        )
        ax.imshow(
            grid,
            origin="lower",
            extent=(*spec["x_range"], *spec["y_range"]),
            cmap=cmap,
            vmin=-1,
            vmax=1,
            aspect="auto",
            interpolation="nearest",
        )
    for series in spec["static"] + frame["series"]:
        style = {**styles[series["s"]], **series}
        color = PALETTE[style.get("color", 0) % len(PALETTE)]
        x = np.array([np.nan if v is None else v for v in series["x"]], dtype=float)
        y = np.array([np.nan if v is None else v for v in series["y"]], dtype=float)
        if style["kind"] == "scatter":
            size = float(style.get("size", 4))
            if style.get("hollow"):
                ax.scatter(x, y, s=(1.6 * size) ** 2, facecolors="none", edgecolors=color, zorder=3)
            else:
                ax.scatter(x, y, s=(1.6 * size) ** 2, color=color, edgecolors="white", zorder=3)
        elif style["kind"] == "bar":
            ax.bar(x, y, width=float(style.get("width", 0.7)), color=color)
        else:
            markers = float(style.get("markers", 0))
            ax.plot(
                x,
                y,
                color=color,
                lw=float(style.get("line_width", 2.2)) * 0.75,
                ls="--" if style.get("dash") else "-",
                alpha=float(style.get("opacity", 1)),
                marker="o" if markers else None,
                ms=1.6 * markers,
            )
    if spec["log_y"]:
        ax.set_yscale("log")
    ax.set_xlim(*spec["x_range"])
    ax.set_ylim(*spec["y_range"])
    if "x_ticks" in spec:
        ax.set_xticks([p for p, _ in spec["x_ticks"]], [t for _, t in spec["x_ticks"]])
    ax.set_xlabel(spec["x_label"])
    ax.set_ylabel(spec["y_label"])
    ax.set_title(frame["text"], fontsize=8, wrap=True)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=scale * dpi, facecolor="white")
    if scale > 1:
        return buffer.getvalue()
    # The copy inside the page: 64 colours are plenty for a few lines, at a third the bytes.
    from PIL import Image

    buffer.seek(0)
    with Image.open(buffer) as image:
        small = image.convert("RGB").quantize(64)
        out = io.BytesIO()
        small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _class_name(label: str) -> str:
    """``"class 3"`` for a label ``"3"`` or ``"class 3"``; other names as they are."""
    return f"class {label}" if label.isdigit() else label


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
        Plot size in pixels.

    Returns
    -------
    StaticHTML
        An :func:`interactive_figure`; it loads nothing from the network. Its
        ``png`` is a matplotlib drawing of the chart at the initial temperature,
        shown where the HTML cannot run (the PDF).

    Examples
    --------
    >>> control = temperature_control([2.0, 1.0, 0.1], n_steps=5)
    >>> "https://" in control.html
    False
    """
    z = _logits(logits)
    names = _labels(labels, len(z))
    t_min = check_float("t_min", t_min, minimum=0.0, strict_minimum=True)
    t_max = check_float("t_max", t_max)
    if not t_max > t_min:
        raise ValueError(f"t_max must be above t_min, got t_min={t_min}, t_max={t_max}")
    n_steps = check_int("n_steps", n_steps, minimum=2)
    if n_steps > 1000:
        raise ValueError(
            f"n_steps must be at most 1000 (the page carries every frame), got {n_steps}"
        )
    start = check_float("start", start, minimum=t_min, maximum=t_max)
    width = check_int("width", width, minimum=100)
    height = check_int("height", height, minimum=100)
    temps = np.round(np.linspace(t_min, t_max, n_steps), 4)
    probs = np.stack([softmax(z, temperature=float(t)) for t in temps])  # (n_steps, n_classes)
    ent = entropy(probs, axis=1)  # (n_steps,)
    i0 = int(np.argmin(np.abs(temps - start)))
    k = len(z)
    xs = list(range(k))
    frames = []
    for t, p, h in zip(temps, probs, ent, strict=True):
        top = int(np.argmax(p))
        frames.append(
            {
                "series": [{"s": 0, "x": xs, "y": rounded(p, 4)}],
                "text": (
                    f"T = {t:.2f}: entropy {h:.3f} nats (max {np.log(k):.3f}); "
                    f"largest probability {p[top]:.3f}, for {_class_name(names[top])}"
                ),
            }
        )
    return interactive_figure(
        frames,
        [{"label": "temperature T", "values": [f"{t:.2f}" for t in temps], "initial": i0}],
        alt=(
            f"Bar chart of the softmax probabilities of {k} classes at a temperature T chosen "
            "with a slider: low temperatures put almost all the probability on the largest "
            "logit, high ones spread it towards uniform."
        ),
        x_range=(-0.6, k - 0.4),
        y_range=(0.0, 1.0),
        x_label="class",
        y_label="probability",
        styles=[{"kind": "bar", "color": 0, "width": 0.7}],
        x_ticks=[(i, n) for i, n in enumerate(names)],
        name="temperature_control",
        source={
            "builder": "temperature_control",
            "logits": z.tolist(),
            "labels": names,
            "temperatures": temps.tolist(),
        },
        width=width,
        height=height,
    )


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
    ax.set_xlabel("class")
    ax.set_ylabel("probability")
    ax.set_title(f"T = {float(temperature):g}, entropy = {float(entropy(p)):.3f} nats")
    return ax
