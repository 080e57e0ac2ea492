"""The book's interactive figures: what a slider teaches that a static figure cannot.

Each builder computes every frame of its figure with dlbook when the book is built
(cheaply: well under a second of CPU each) and returns a
:func:`dlbook.interactive.interactive_figure`, which the page draws with no kernel:

=====================================  ==========================================  =======
builder                                controls                                    chapter
=====================================  ==========================================  =======
:func:`perceptron_boundary`            direction of ``w``, bias ``b``              3
:func:`mlp_training`                   training step                               4
:func:`approximation_width`            hidden width                                5
:func:`softmax_temperature`            temperature ``T``                           8
:func:`gradient_profile`               activation, initialisation                  9
:func:`optimizer_paths`                learning rate, momentum                     11
=====================================  ==========================================  =======

The arguments of each figure are kept in its data (``source``), so that a test can
compute the value a reader sees for one setting independently, with dlbook.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from .._validation import check_choice, check_float, check_int, describe
from ..interactive import StaticHTML, interactive_figure, rounded, temperature_control

__all__ = [
    "approximation_width",
    "gradient_profile",
    "mlp_training",
    "optimizer_paths",
    "perceptron_boundary",
    "softmax_temperature",
]

#: At most this many frames per figure (the page carries every one).
MAX_FRAMES = 200


def _values(
    name: str,
    values: Any,
    *,
    integer: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_minimum: bool = False,
) -> list[Any]:
    """A list of 2 to MAX_FRAMES distinct numbers, increasing, each checked."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple, range, np.ndarray)):
        raise TypeError(f"{name} must be a list of numbers, got {describe(values)}")
    if integer:
        out: list[Any] = [
            check_int(f"{name}[{i}]", v, minimum=int(minimum or 0)) for i, v in enumerate(values)
        ]
    else:
        out = [
            check_float(
                f"{name}[{i}]", v, minimum=minimum, maximum=maximum, strict_minimum=strict_minimum
            )
            for i, v in enumerate(values)
        ]
    if not 2 <= len(out) <= MAX_FRAMES:
        raise ValueError(f"{name} must hold 2 to {MAX_FRAMES} values, got {len(out)}")
    if any(b <= a for a, b in itertools.pairwise(out)):
        raise ValueError(f"{name} must be increasing, got {list(values)}")
    return out


def _check_frames(*counts: int) -> None:
    total = int(np.prod(counts))
    if total > MAX_FRAMES:
        raise ValueError(
            f"the controls make {total} frames; at most {MAX_FRAMES} fit in a page "
            "(use fewer values)"
        )


# ------------------------------------------------------------------- chapter 3


def perceptron_boundary(
    *,
    angles: Sequence[float] = tuple(range(0, 360, 30)),
    biases: Sequence[float] = (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0),
    n_samples: int = 40,
    seed: int = 0,
) -> StaticHTML:
    """The perceptron's line ``w . x + b = 0`` over two blobs; sliders move ``w`` and ``b``.

    ``w`` is a unit vector at the chosen angle (its length does not move the line);
    the points that :func:`dlbook.linear.perceptron_predict` gets wrong are ringed
    and counted in the readout.

    Parameters
    ----------
    angles : sequence of float, default 0, 30, ..., 330
        Directions of ``w`` in degrees, increasing, in [0, 360).
    biases : sequence of float, default -2 to 2 by 0.5
        Values of the bias ``b``, increasing.
    n_samples : int, default 40
        Points of :func:`dlbook.data.blobs` (two classes).
    seed : int, default 0
        Seed of the data.

    Returns
    -------
    StaticHTML
        An interactive figure (two sliders, one frame per pair).

    Examples
    --------
    >>> fig = perceptron_boundary(angles=[0, 90], biases=[0.0, 1.0])
    >>> 'data-name="perceptron_boundary"' in fig.html
    True
    """
    from ..data import blobs
    from ..linear import perceptron_predict

    ang = _values("angles", angles, minimum=0.0, maximum=359.999)
    bs = _values("biases", biases)
    _check_frames(len(ang), len(bs))
    n_samples = check_int("n_samples", n_samples, minimum=2)
    if n_samples > 200:
        raise ValueError(f"n_samples must be at most 200, got {n_samples}")
    seed = check_int("seed", seed, minimum=0)
    X, y = blobs(n_samples, seed=seed)
    X = X.double()
    lim = 4.0
    frames = []
    for a in ang:
        w = torch.tensor([np.cos(np.radians(a)), np.sin(np.radians(a))], dtype=torch.float64)
        for b in bs:
            wrong = (perceptron_predict(X, w, b) != y).numpy()
            # The line w . x + b = 0: the point -b w plus multiples of w rotated by 90 degrees.
            p, d = -b * w.numpy(), np.array([-w[1].item(), w[0].item()])
            ends = np.stack([p - 2 * lim * d, p + 2 * lim * d])  # (2, 2), beyond the view
            arrow = np.stack([p, p + 0.8 * w.numpy()])
            frames.append(
                {
                    "series": [
                        {"s": 2, "x": rounded(ends[:, 0], 3), "y": rounded(ends[:, 1], 3)},
                        {"s": 3, "x": rounded(arrow[:, 0], 3), "y": rounded(arrow[:, 1], 3)},
                        {"s": 4, "x": rounded(X[wrong, 0], 2), "y": rounded(X[wrong, 1], 2)},
                    ],
                    "text": (
                        f"w = ({w[0].item():.2f}, {w[1].item():.2f}), b = {b:.2f}: "
                        f"{int(wrong.sum())} of {n_samples} points misclassified"
                    ),
                }
            )
    initial_a = int(np.argmin(np.abs(np.array(ang) - 45.0)))
    initial_b = int(np.argmin(np.abs(np.array(bs) - 1.0)))
    return interactive_figure(
        frames,
        [
            {
                "label": "direction of w (degrees)",
                "values": [f"{a:g}" for a in ang],
                "initial": initial_a,
            },
            {"label": "bias b", "values": [f"{b:g}" for b in bs], "initial": initial_b},
        ],
        alt=(
            "Two classes of points in the plane and the perceptron's decision line "
            "w·x + b = 0, with the weight vector w drawn as a short segment from the line; "
            "sliders turn w and shift b, and the points on the wrong side are ringed."
        ),
        x_range=(-lim, lim),
        y_range=(-lim, lim),
        x_label="x1",
        y_label="x2",
        styles=[
            {"kind": "scatter", "color": 0, "label": "class 0"},  # the static figures' colours
            {"kind": "scatter", "color": 1, "label": "class 1"},
            {"kind": "line", "color": 5, "label": "w·x + b = 0"},
            {"kind": "line", "color": 2, "label": "w", "line_width": 3},
            {"kind": "scatter", "color": 4, "label": "misclassified", "hollow": True, "size": 7},
        ],
        static=[
            {"s": 0, "x": rounded(X[y == 0, 0], 2), "y": rounded(X[y == 0, 1], 2)},
            {"s": 1, "x": rounded(X[y == 1, 0], 2), "y": rounded(X[y == 1, 1], 2)},
        ],
        name="perceptron_boundary",
        source={
            "builder": "perceptron_boundary",
            "n_samples": n_samples,
            "seed": seed,
            "angles": ang,
            "biases": bs,
        },
        width=440,
        height=420,
    )


# ------------------------------------------------------------------- chapter 4


def mlp_training(
    *,
    steps: Sequence[int] = (0, 10, 25, 50, 100, 200, 400),
    hidden: int = 8,
    lr: float = 1.0,
    resolution: int = 24,
    seed: int = 0,
) -> StaticHTML:
    """An MLP's decision boundary on noisy XOR, scrubbed through its training steps.

    A :func:`dlbook.models.mlp` with one tanh hidden layer is trained by full-batch
    gradient descent on the cross-entropy of :func:`dlbook.data.xor` (10 jittered
    points per corner); at each
    recorded step the figure keeps the line where the predicted probability of
    class 1 is one half, a coarse heat map of that probability, and the loss and
    training accuracy. Class 0 and the region where it is likelier are blue, class 1
    and its region orange, as in :func:`dlbook.plotting.plot_decision_surface`.

    Parameters
    ----------
    steps : sequence of int, default (0, 10, 25, 50, 100, 200, 400)
        The optimiser steps to show, increasing, from 0 (the initial network).
    hidden : int, default 8
        Hidden units.
    lr : float, default 1.0
        The learning rate.
    resolution : int, default 24
        Cells per side of the heat map and of the grid the boundary is traced on.
    seed : int, default 0
        Seed of the data and of the weights.

    Returns
    -------
    StaticHTML

    Examples
    --------
    >>> from dlbook.interactive import figure_data
    >>> fig = mlp_training(steps=[0, 5], resolution=8)
    >>> [f["text"].split(":")[0] for f in figure_data(fig)[0]["frames"]]
    ['step 0', 'step 5']
    """
    from matplotlib.figure import Figure

    from ..data import xor
    from ..models import mlp

    st = _values("steps", steps, integer=True, minimum=0)
    if st[-1] > 5000:
        raise ValueError(f"steps must be at most 5000, got {st[-1]}")
    hidden = check_int("hidden", hidden, minimum=1)
    if hidden > 256:
        raise ValueError(f"hidden must be at most 256, got {hidden}")
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True, maximum=10.0)
    resolution = check_int("resolution", resolution, minimum=4)
    if resolution > 64:
        raise ValueError(f"resolution must be at most 64, got {resolution}")
    seed = check_int("seed", seed, minimum=0)
    X, y = xor(10, noise=0.15, seed=seed)
    lo, hi = -0.6, 1.6
    ticks = np.linspace(lo, hi, resolution + 1)
    centres = (ticks[:-1] + ticks[1:]) / 2
    gx, gy = np.meshgrid(centres, centres)  # row 0 is the lowest y
    grid = torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)
    model = mlp([2, hidden, 2], activation="tanh", seed=seed)
    loss_fn = torch.nn.CrossEntropyLoss()
    scratch = Figure()
    ax = scratch.add_subplot()
    frames = []
    step = 0
    for target in st:
        while step < target:
            model.zero_grad()
            loss_fn(model(X), y).backward()
            with torch.no_grad():  # one step of full-batch gradient descent
                for p in model.parameters():
                    if p.grad is not None:
                        p.sub_(lr * p.grad)
            step += 1
        with torch.no_grad():
            logits = model(X)
            loss = float(loss_fn(logits, y))
            accuracy = float((logits.argmax(1) == y).float().mean())
            p1 = torch.softmax(model(grid), 1)[:, 1].reshape(resolution, resolution).numpy()
        xs: list[Any] = []
        ys: list[Any] = []
        contour = ax.contour(gx, gy, p1, levels=[0.5])
        for path in contour.allsegs[0]:
            xs += [*rounded(path[:, 0], 3), None]
            ys += [*rounded(path[:, 1], 3), None]
        contour.remove()
        frames.append(
            {
                "series": [{"s": 2, "x": xs, "y": ys}],
                # positive (blue) where class 0 is likelier, negative (orange) for class 1,
                # the colours of the classes' points, as in plotting.plot_decision_surface
                "grid": (1 - 2 * p1).round(2),
                "text": f"step {target}: loss {loss:.3f}, training accuracy {100 * accuracy:.0f}%",
            }
        )
    return interactive_figure(
        frames,
        [{"label": "training step", "values": [str(s) for s in st], "initial": 0}],
        alt=(
            "The four noisy clusters of the XOR problem with an MLP's decision boundary and "
            "shading by its predicted probability of class 1; a slider moves through "
            "training steps, from the initial network to one that separates the classes."
        ),
        x_range=(lo, hi),
        y_range=(lo, hi),
        x_label="x1",
        y_label="x2",
        styles=[
            {"kind": "scatter", "color": 0, "label": "class 0"},
            {"kind": "scatter", "color": 1, "label": "class 1"},
            {"kind": "line", "color": 5, "label": "p(class 1) = 0.5"},
        ],
        static=[
            {"s": 0, "x": rounded(X[y == 0, 0], 2), "y": rounded(X[y == 0, 1], 2)},
            {"s": 1, "x": rounded(X[y == 1, 0], 2), "y": rounded(X[y == 1, 1], 2)},
        ],
        name="mlp_training",
        source={"builder": "mlp_training", "steps": st, "hidden": hidden, "lr": lr, "seed": seed},
        width=440,
        height=420,
    )


# ------------------------------------------------------------------- chapter 5


def _bumpy(x: torch.Tensor) -> torch.Tensor:
    """The default target of :func:`approximation_width`: ``sin(3x) + 0.3 cos(7x)``."""
    return torch.sin(3 * x) + 0.3 * torch.cos(7 * x)


def approximation_width(
    *,
    widths: Sequence[int] = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32),
    method: str = "knots",
    f: Callable[[torch.Tensor], torch.Tensor] | None = None,
    n_points: int = 101,
) -> StaticHTML:
    """A one-hidden-layer ReLU network's fit on [-1, 1] and its error, as the width grows.

    For each width, the network of :func:`dlbook.demos.approximation.width_sweep`
    (``method="knots"``: the interpolant through ``width + 1`` samples, the
    constructive proof; ``"lstsq"``: random hidden layer, output layer by least
    squares) is drawn with the target and the absolute error; the readout gives
    the largest error that ``width_sweep`` reports.

    Parameters
    ----------
    widths : sequence of int, default (1, 2, 3, 4, 6, 8, 12, 16, 24, 32)
        Hidden widths, increasing.
    method : {"knots", "lstsq"}, default "knots"
    f : callable, optional
        The target (float64 tensor of shape (n,) to shape (n,)); by default
        ``sin(3x) + 0.3 cos(7x)``.
    n_points : int, default 101
        Points at which the curves are drawn.

    Returns
    -------
    StaticHTML

    Examples
    --------
    >>> fig = approximation_width(widths=[2, 8])
    >>> "max error" in fig.html
    True
    """
    from .approximation import relu_interpolant, width_sweep

    ws = _values("widths", widths, integer=True, minimum=1)
    if ws[-1] > 512:
        raise ValueError(f"widths must be at most 512, got {ws[-1]}")
    method = check_choice("method", method, ("knots", "lstsq"))
    if f is None:
        f = _bumpy
    elif not callable(f):
        raise TypeError(f"f must be a function, got {describe(f)}")
    n_points = check_int("n_points", n_points, minimum=2)
    if n_points > 1000:
        raise ValueError(f"n_points must be at most 1000, got {n_points}")
    sweep = width_sweep(f, ws, method=method)
    x = torch.linspace(-1.0, 1.0, n_points, dtype=torch.float64)
    target = f(x)
    frames = []
    for w, max_err, rms_err in zip(ws, sweep.max_error, sweep.rms_error, strict=True):
        if method == "knots":
            knots = torch.linspace(-1.0, 1.0, w + 1, dtype=torch.float64)
            with torch.no_grad():
                fit = relu_interpolant(knots, f(knots))(x[:, None])[:, 0]
            extra = [{"s": 3, "x": rounded(knots, 3), "y": rounded(f(knots), 3)}]
        else:
            fit = _lstsq_fit(f, w, x)
            extra = []
        frames.append(
            {
                "series": [
                    {"s": 1, "x": rounded(x, 3), "y": rounded(fit, 3)},
                    {"s": 2, "x": rounded(x, 3), "y": rounded((fit - target).abs(), 3)},
                    *extra,
                ],
                "text": f"width {w}: max error {max_err:.3g}, root-mean-square error {rms_err:.3g}",
            }
        )
    lo = min(float(target.min()), 0.0) - 0.3
    hi = float(target.max()) + 0.3
    styles: list[dict[str, Any]] = [
        {"kind": "line", "color": 5, "label": "target f", "line_width": 3},
        {"kind": "line", "color": 0, "label": "network"},
        {"kind": "line", "color": 1, "label": "|error|", "dash": True},
    ]
    if method == "knots":
        styles.append({"kind": "scatter", "color": 0, "label": "knots", "size": 3})
    return interactive_figure(
        frames,
        [{"label": "hidden width", "values": [str(w) for w in ws], "initial": min(3, len(ws) - 1)}],
        alt=(
            "A target function on the interval from -1 to 1, the fit of a one-hidden-layer "
            "ReLU network with the chosen width, and the absolute error; as the width "
            "grows the fit follows the target more closely and the error shrinks."
        ),
        x_range=(-1.0, 1.0),
        y_range=(round(lo, 1), round(hi, 1)),
        x_label="x",
        y_label="value",
        styles=styles,
        static=[{"s": 0, "x": rounded(x, 3), "y": rounded(target, 3)}],
        name="approximation_width",
        source={
            "builder": "approximation_width",
            "widths": ws,
            "method": method,
            "default_f": f is _bumpy,
        },
    )


def _lstsq_fit(
    f: Callable[[torch.Tensor], torch.Tensor], width: int, x: torch.Tensor
) -> torch.Tensor:
    """The ``"lstsq"`` network of :func:`width_sweep` (seed 0), evaluated at ``x``.

    ``width_sweep`` returns errors, not networks; this draws the same random hidden
    layer from the same generator and solves for the output layer the same way.
    """
    from ..seeding import make_generator

    gen = make_generator(0)
    sign = torch.randint(0, 2, (width, 1), generator=gen).double() * 2 - 1
    kinks = -1.0 + 2.0 * torch.rand(width, generator=gen, dtype=torch.float64)
    x_train = torch.linspace(-1.0, 1.0, 64, dtype=torch.float64)

    def features(t: torch.Tensor) -> torch.Tensor:
        h = torch.relu(t[:, None] * sign[:, 0] - sign[:, 0] * kinks)
        return torch.cat([h, torch.ones(len(t), 1, dtype=t.dtype)], 1)

    coef = torch.linalg.lstsq(features(x_train), f(x_train)[:, None], driver="gelsd").solution
    return (features(x) @ coef)[:, 0]


# ------------------------------------------------------------------- chapter 8

#: The logits of the softmax chapter's figure (ten classes).
SOFTMAX_LOGITS = (3.0, 2.2, 1.5, 1.0, 0.6, 0.2, -0.3, -0.8, -1.5, -2.0)


def softmax_temperature(
    logits: Sequence[float] | np.ndarray | torch.Tensor = SOFTMAX_LOGITS,
    *,
    n_steps: int = 50,
) -> StaticHTML:
    """The softmax of ten logits as the temperature ``T`` moves from 0.1 to 5.

    :func:`dlbook.interactive.temperature_control` with classes named 0, 1, ...

    Parameters
    ----------
    logits : sequence of float, default ``SOFTMAX_LOGITS``
    n_steps : int, default 50
        Slider positions.

    Returns
    -------
    StaticHTML

    Examples
    --------
    >>> fig = softmax_temperature([1.0, 0.0], n_steps=3)
    >>> 'data-name="temperature_control"' in fig.html
    True
    """
    n_steps = check_int("n_steps", n_steps, minimum=2)
    if isinstance(logits, (str, bytes)) or not isinstance(
        logits, (Sequence, np.ndarray, torch.Tensor)
    ):
        raise TypeError(f"logits must be a sequence of numbers, got {describe(logits)}")
    labels = [str(k) for k in range(len(logits))]
    return temperature_control(logits, labels=labels, n_steps=n_steps)


# ------------------------------------------------------------------- chapter 9

ACTIVATION_CHOICES = ("sigmoid", "tanh", "relu")
INIT_CHOICES = ("default", "xavier", "he")


def gradient_profile(
    *,
    depth: int = 20,
    width: int = 32,
    activations: Sequence[str] = ACTIVATION_CHOICES,
    inits: Sequence[str] = INIT_CHOICES,
    seed: int = 0,
) -> StaticHTML:
    """Per-layer gradient norms of a deep MLP at initialisation, for a chosen activation and init.

    Every profile comes from :func:`dlbook.demos.gradients.vanishing_gradient_experiment`
    (one batch of 256 examples of the circles data, the experiment's default; nothing
    trained); the chosen one is drawn in colour over the others in grey, on a log scale,
    and the readout gives the ratio of the first layer's gradient norm to the last one's.

    Parameters
    ----------
    depth : int, default 20
        Hidden layers (2 to 60).
    width : int, default 32
        Units per hidden layer (at most 128).
    activations : sequence of str, default ("sigmoid", "tanh", "relu")
    inits : sequence of str, default ("default", "xavier", "he")
    seed : int, default 0

    Returns
    -------
    StaticHTML
        Two selects (activation, initialisation).

    Examples
    --------
    >>> fig = gradient_profile(depth=4, width=8, activations=["tanh", "relu"],
    ...                        inits=["he", "xavier"])
    >>> "ratio" in fig.html
    True
    """
    from .gradients import vanishing_gradient_experiment

    depth = check_int("depth", depth, minimum=2)
    if depth > 60:
        raise ValueError(f"depth must be at most 60, got {depth}")
    width = check_int("width", width, minimum=1)
    if width > 128:
        raise ValueError(f"width must be at most 128, got {width}")
    names: dict[str, list[str]] = {}
    for arg, values in (("activations", activations), ("inits", inits)):
        if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)):
            raise TypeError(f"{arg} must be a list of names, got {describe(values)}")
        if len(values) < 2 or len(set(values)) != len(values):
            raise ValueError(f"{arg} must hold at least 2 distinct names, got {list(values)}")
        names[arg] = list(values)
    seed = check_int("seed", seed, minimum=0)
    profiles = vanishing_gradient_experiment(
        depths=depth,
        activations=names["activations"],
        inits=names["inits"],
        width=width,
        n_samples=256,
        seed=seed,
    )
    norms = [p.norms.double().clamp_min(1e-30).numpy() for p in profiles]
    layers = list(range(1, depth + 2))
    lo = float(min(n.min() for n in norms))
    hi = float(max(n.max() for n in norms))
    frames = []
    for p, n in zip(profiles, norms, strict=True):
        frames.append(
            {
                "series": [{"s": 1, "x": layers, "y": [float(f"{v:.3g}") for v in n]}],
                "text": (
                    f"{p.activation}, {p.init} initialisation: first-layer gradient norm "
                    f"{n[0]:.3g}, last layer {n[-1]:.3g}, ratio {p.ratio:.3g}"
                ),
            }
        )
    static = [{"s": 0, "x": layers, "y": [float(f"{v:.3g}") for v in n]} for n in norms]
    return interactive_figure(
        frames,
        [
            {"label": "activation", "kind": "select", "values": names["activations"]},
            {"label": "initialisation", "kind": "select", "values": names["inits"]},
        ],
        alt=(
            f"Gradient norm of each of the {depth + 1} weight matrices of a deep MLP at "
            "initialisation, on a log scale from the input layer to the output layer, for "
            "the activation and initialisation chosen in two menus; the other combinations "
            "are drawn in grey."
        ),
        x_range=(0.5, depth + 1.5),
        y_range=(10 ** np.floor(np.log10(lo)), 10 ** np.ceil(np.log10(hi))),
        log_y=True,
        x_label="layer (1 = input)",
        y_label="gradient norm",
        styles=[
            {
                "kind": "line",
                "color": 5,
                "label": "other choices",
                "line_width": 1,
                "opacity": 0.35,
            },
            {"kind": "line", "color": 0, "label": "chosen", "line_width": 3},
        ],
        static=static,
        name="gradient_profile",
        source={
            "builder": "gradient_profile",
            "depth": depth,
            "width": width,
            "seed": seed,
            "activations": names["activations"],
            "inits": names["inits"],
            "n_samples": 256,
        },
    )


# ------------------------------------------------------------------ chapter 11


def optimizer_paths(
    *,
    lrs: Sequence[float] = (0.01, 0.02, 0.05, 0.07, 0.09, 0.1, 0.105),
    momenta: Sequence[float] = (0.0, 0.5, 0.7, 0.9, 0.95),
    steps: int = 40,
    start: Sequence[float] = (-4.5, 1.5),
    curvature: float = 20.0,
) -> StaticHTML:
    """Gradient descent with momentum on the ravine, for a chosen learning rate and momentum.

    Each path is :func:`dlbook.demos.optimizers.descend` with
    :class:`dlbook.optim.SGD` on :func:`dlbook.demos.optimizers.ravine`, drawn over
    the bowl's contours; the readout gives the loss after the last step.

    Parameters
    ----------
    lrs : sequence of float, default 0.01 to 0.105
        Learning rates, increasing (plain gradient descent on the default ravine is
        stable below 2 / curvature = 0.1).
    momenta : sequence of float, default (0, 0.5, 0.7, 0.9, 0.95)
        Momentum values in [0, 1), increasing.
    steps : int, default 40
    start : pair of float, default (-4.5, 1.5)
        The start of the optimiser chapter's comparison.
    curvature : float, default 20.0

    Returns
    -------
    StaticHTML

    Examples
    --------
    >>> fig = optimizer_paths(lrs=[0.01, 0.05], momenta=[0.0, 0.9], steps=5)
    >>> "loss after 5 steps" in fig.html
    True
    """
    from ..optim import SGD
    from .optimizers import descend, ravine

    lr_values = _values("lrs", lrs, minimum=0.0, strict_minimum=True, maximum=10.0)
    mu_values = _values("momenta", momenta, minimum=0.0, maximum=0.999)
    _check_frames(len(lr_values), len(mu_values))
    steps = check_int("steps", steps, minimum=1)
    if steps > 500:
        raise ValueError(f"steps must be at most 500, got {steps}")
    if isinstance(start, (str, bytes)) or not isinstance(start, (list, tuple, np.ndarray)):
        raise TypeError(f"start must be a pair of numbers, got {describe(start)}")
    if len(start) != 2:
        raise ValueError(f"start must be a pair of numbers, got {len(start)} values")
    w0 = [check_float(f"start[{i}]", v) for i, v in enumerate(start)]
    curvature = check_float("curvature", curvature, minimum=0.0, strict_minimum=True, maximum=1e4)
    bowl = lambda w: ravine(w, curvature=curvature)  # noqa: E731
    frames = []
    bound = 10.0 * max(abs(w0[0]), abs(w0[1]), 1.0)
    for lr in lr_values:
        for mu in mu_values:

            def make(p: list[torch.Tensor], lr: float = lr, mu: float = mu) -> SGD:
                return SGD(p, lr=lr, momentum=mu)

            path, losses = descend(bowl, w0, make, steps=steps)
            shown = path.double().clamp(-bound, bound).numpy()
            final = float(losses[-1])
            frames.append(
                {
                    "series": [
                        {"s": 1, "x": rounded(shown[:, 0], 3), "y": rounded(shown[:, 1], 3)},
                    ],
                    "text": (
                        f"learning rate {lr:g}, momentum {mu:g}: loss after {steps} steps "
                        f"{final:.3g}" + ("" if final < float(losses[0]) else " (diverging)")
                    ),
                }
            )
    half = 1.15 * abs(w0[0]) if w0[0] else 2.0
    height = max(1.15 * abs(w0[1]), half / 2)
    t = np.linspace(0, 2 * np.pi, 73)
    contours = []
    f0 = 0.5 * (w0[0] ** 2 + curvature * w0[1] ** 2) or 1.0  # the loss at the start
    for level in f0 * np.array([0.003, 0.01, 0.03, 0.1, 0.3, 1.0]):
        r = np.sqrt(2 * level)
        contours.append(
            {
                "s": 0,
                "x": rounded(r * np.cos(t), 3),
                "y": rounded(r * np.sin(t) / np.sqrt(curvature), 3),
            }
        )
    i_lr = int(np.argmin(np.abs(np.array(lr_values) - 0.05)))
    return interactive_figure(
        frames,
        [
            {"label": "learning rate", "values": [f"{v:g}" for v in lr_values], "initial": i_lr},
            {"label": "momentum", "values": [f"{v:g}" for v in mu_values], "initial": 0},
        ],
        alt=(
            "Contours of an elongated quadratic bowl, steep across and shallow along its "
            "length, and the path of gradient descent with momentum from the same start "
            "for the chosen learning rate and momentum."
        ),
        x_range=(-half, half),
        y_range=(-height, height),
        x_label="w1",
        y_label="w2",
        styles=[
            {"kind": "line", "color": 5, "line_width": 1, "opacity": 0.5},
            {"kind": "line", "color": 0, "label": "path", "line_width": 1.8, "markers": 2.5},
        ],
        static=contours,
        name="optimizer_paths",
        source={
            "builder": "optimizer_paths",
            "lrs": lr_values,
            "momenta": mu_values,
            "steps": steps,
            "start": w0,
            "curvature": curvature,
        },
        width=520,
        height=360,
    )
