"""How a ReLU network cuts the plane: its linear regions and the pieces of its decision regions.

Inside a region where every hidden ReLU unit keeps its state (active, ``z > 0``,
or silent) a ReLU network is an affine function of its input.
:func:`activation_regions` finds these regions on a grid over a window of the
plane by the on/off pattern of all hidden units, and :func:`max_regions` is
the largest number of regions that ``H`` units of one hidden layer can make:
``H`` lines in general position cut the plane into ``1 + H + H (H - 1) / 2``
regions (Zaslavsky's count for hyperplane arrangements).
:func:`class_pieces` counts the connected pieces of the set where a
two-class model predicts class 1, which need not be one blob.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from scipy import ndimage

from .._validation import (
    as_tensor,
    check_choice,
    check_classification_data,
    check_float,
    check_int,
    check_model,
)
from ..models import hidden_activations, mlp_from_parameters
from ..plotting import _extent
from ..training import predict_proba, train

__all__ = [
    "DeadUnitHistory",
    "RegionMap",
    "activation_regions",
    "class_pieces",
    "dead_unit_history",
    "folding_network",
    "max_regions",
]


@dataclass
class RegionMap:
    """Regions of a window of the plane, found on a grid.

    Attributes
    ----------
    count : int
        Number of regions found.
    labels : array of shape (resolution, resolution), int64
        The region of each grid point: 0 to ``count - 1`` for
        :func:`activation_regions`; 1 to ``count`` for :func:`class_pieces`,
        with 0 for points outside every piece. Row ``i`` is ``ys[i]``, column
        ``j`` is ``xs[j]`` (the layout of ``imshow(..., origin="lower")``).
    xs, ys : array of shape (resolution,)
        The grid's coordinates along ``x_1`` and ``x_2``.
    """

    count: int
    labels: np.ndarray
    xs: np.ndarray
    ys: np.ndarray

    def at(self, points: Any) -> np.ndarray:
        """The label of the grid point nearest to each of ``points`` (shape (n, 2)).

        Parameters
        ----------
        points : Tensor or array of shape (n, 2)
            Points inside the window.

        Returns
        -------
        array of shape (n,), int64
        """
        P = as_tensor("points", points, ndim=2, dtype=torch.float64).cpu().numpy()
        if P.shape[1] != 2:
            raise ValueError(f"points must have shape (n, 2), got {P.shape}")
        j = np.clip(np.rint(np.interp(P[:, 0], self.xs, np.arange(len(self.xs)))), 0, None)
        i = np.clip(np.rint(np.interp(P[:, 1], self.ys, np.arange(len(self.ys)))), 0, None)
        return self.labels[i.astype(np.int64), j.astype(np.int64)]


def _grid(extent: Sequence[float], resolution: int) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    xmin, xmax, ymin, ymax = _extent(extent)
    xs, ys = np.linspace(xmin, xmax, resolution), np.linspace(ymin, ymax, resolution)
    gx, gy = np.meshgrid(xs, ys)  # (R, R): rows follow ys
    points = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], axis=1))  # (R * R, 2)
    return xs, ys, points


def _inputs_of(model: torch.nn.Module, points: torch.Tensor) -> torch.Tensor:
    parameter = next(model.parameters(), None)
    if parameter is None:
        return points.float()
    return points.to(device=parameter.device, dtype=parameter.dtype)


def _arrangement_probes(
    weight: np.ndarray, bias: np.ndarray, extent: Sequence[float]
) -> np.ndarray:
    """Points in every cell that the lines ``weight @ x + bias = 0`` cut from the window.

    Every cell of the arrangement, cut to the window, is a convex polygon whose
    corners are crossings of two lines, crossings of a line with the window's
    edge, or corners of the window. Around each such point the cells meeting it
    fill the wedges between the lines through it; one probe at a tiny distance
    along the bisector of each wedge lands in each of those cells.
    """
    xmin, xmax, ymin, ymax = (float(v) for v in extent)
    span = max(xmax - xmin, ymax - ymin)
    keep = np.linalg.norm(weight, axis=1) > 0
    W, c = weight[keep], bias[keep]
    W, c = W / np.linalg.norm(W, axis=1, keepdims=True), c / np.linalg.norm(weight[keep], axis=1)
    # the window's edges as lines too: x1 = xmin, x1 = xmax, x2 = ymin, x2 = ymax
    edges_W = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    edges_c = np.array([-xmin, -xmax, -ymin, -ymax])
    all_W, all_c = np.concatenate([W, edges_W]), np.concatenate([c, edges_c])
    corners = []
    for i in range(len(all_W)):
        for j in range(i + 1, len(all_W)):
            A = np.stack([all_W[i], all_W[j]])
            if abs(np.linalg.det(A)) < 1e-12:
                continue  # parallel lines do not cross
            corners.append(np.linalg.solve(A, -np.array([all_c[i], all_c[j]])))
    tol = 1e-9 * span
    probes = []
    radius = 1e-6 * span
    for v in corners:
        if not (xmin - tol <= v[0] <= xmax + tol and ymin - tol <= v[1] <= ymax + tol):
            continue
        through = np.abs(all_W @ v + all_c) < tol  # the lines through this corner
        directions = np.arctan2(all_W[through, 0], -all_W[through, 1])  # along each line
        angles = np.sort(np.concatenate([directions, directions + np.pi]) % (2 * np.pi))
        gaps = np.diff(np.concatenate([angles, angles[:1] + 2 * np.pi]))
        middles = angles + gaps / 2
        probes.append(v + radius * np.stack([np.cos(middles), np.sin(middles)], axis=1))
    if not probes:
        return np.zeros((0, 2))
    P = np.concatenate(probes)
    inside = (P[:, 0] > xmin) & (P[:, 0] < xmax) & (P[:, 1] > ymin) & (P[:, 1] < ymax)
    return P[inside]


def activation_regions(
    model: torch.nn.Sequential,
    *,
    extent: Sequence[float] = (-3.0, 3.0, -3.0, 3.0),
    resolution: int = 400,
) -> RegionMap:
    """The linear regions of a ReLU MLP on the plane, told apart by their activation patterns.

    Each grid point gets the pattern of which hidden units are active
    (``h > 0``) in every hidden layer; points with the same pattern lie in one
    region, where the network is one affine function of the input. For a
    network with one hidden layer the set of inputs with a given pattern is a
    convex cell of the arrangement of the hidden units' lines, so each pattern
    is one region. Besides the grid, the patterns are also read at probe points
    next to every crossing of two lines and of a line with the window's edge,
    one in each wedge between the lines there: every cell that meets the
    window has such a corner, so for one hidden layer the count is exact, even
    for slivers thinner than the grid spacing. For deeper networks, whose
    regions bend at the lines of later layers, the probes follow only the first
    layer's lines and the count is a lower bound.

    Parameters
    ----------
    model : torch.nn.Sequential
        An MLP on 2-D inputs with ReLU activations, as built by
        :func:`dlbook.models.mlp`.
    extent : (xmin, xmax, ymin, ymax), default (-3, 3, -3, 3)
    resolution : int, default 400
        Grid points per axis.

    Returns
    -------
    RegionMap
        ``labels`` numbers the regions from 0 in order of first appearance
        along the grid's rows; regions that only the probes found (slivers
        between grid points) come last and appear in ``count`` but not in
        ``labels``.

    Examples
    --------
    >>> from dlbook.models import mlp_from_parameters
    >>> net = mlp_from_parameters([([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]), ([[1.0, 1.0]], [0.0])])
    >>> activation_regions(net, resolution=50).count  # the two axes cut the plane into four
    4
    """
    net = check_model("model", model)
    if not isinstance(net, torch.nn.Sequential):
        raise TypeError(f"model must be a torch.nn.Sequential MLP, got {type(net).__name__}")
    resolution = check_int("resolution", resolution, minimum=2)
    xs, ys, points = _grid(extent, resolution)
    layer1 = next((m for m in net if isinstance(m, torch.nn.Linear)), None)
    if layer1 is not None and layer1.in_features == 2:
        weight = layer1.weight.detach().double().cpu().numpy()
        bias = (
            layer1.bias.detach().double().cpu().numpy()
            if layer1.bias is not None
            else np.zeros(layer1.out_features)
        )
        probes = torch.from_numpy(_arrangement_probes(weight, bias, extent))
        points = torch.cat([points, probes])  # the grid first, then the probes
    with torch.no_grad():
        # float64 for the probes, which sit a millionth of the window from a line
        layers = hidden_activations(copy.deepcopy(net).cpu().double(), points.double())
    if not layers:
        raise ValueError("model must have at least one hidden layer")
    pattern = torch.cat([h > 0 for h in layers], dim=1).cpu().numpy()  # (points, units)
    if pattern.shape[1] <= 62:  # one integer code per pattern: a fast 1-D unique
        pattern = pattern.astype(np.int64) @ (np.int64(1) << np.arange(pattern.shape[1]))
        _, first, inverse = np.unique(pattern, return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(pattern, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))  # number the patterns by first appearance
    on_grid = inverse.reshape(-1)[: resolution * resolution]
    labels = order[on_grid].reshape(resolution, resolution).astype(np.int64)
    return RegionMap(count=len(first), labels=labels, xs=xs, ys=ys)


def max_regions(n_units: int, n_inputs: int = 2) -> int:
    """The most regions into which ``n_units`` hyperplanes cut ``R^n_inputs``.

    ``sum_{k=0}^{n_inputs} C(n_units, k)``, reached when the hyperplanes are in
    general position (Zaslavsky, 1975). In the plane, ``1 + H + H (H - 1) / 2``.
    It bounds the number of linear regions of a network with one hidden layer
    of ``n_units`` ReLU units on ``n_inputs`` inputs.

    Parameters
    ----------
    n_units : int
        H, at least 0.
    n_inputs : int, default 2
        The dimension D of the input, at least 1.

    Returns
    -------
    int

    Examples
    --------
    >>> [max_regions(h) for h in range(6)]
    [1, 2, 4, 7, 11, 16]
    >>> max_regions(3, n_inputs=1)  # three kinks cut a line into four pieces
    4
    """
    n_units = check_int("n_units", n_units, minimum=0)
    n_inputs = check_int("n_inputs", n_inputs, minimum=1)
    return sum(math.comb(n_units, k) for k in range(n_inputs + 1))


def class_pieces(
    model: torch.nn.Module,
    *,
    extent: Sequence[float] = (-3.0, 3.0, -3.0, 3.0),
    resolution: int = 300,
) -> RegionMap:
    """The connected pieces of the region where a two-class model on the plane predicts class 1.

    The model's probability of class 1 (softmax of two logits, or sigmoid of
    one, as in :func:`dlbook.plotting.plot_decision_surface`) is evaluated on
    a grid over the window; grid points with probability above one half are
    grouped into pieces that touch along a side (4-connectivity).

    Parameters
    ----------
    model : torch.nn.Module
        Maps points of shape (n, 2) to logits of shape (n, 2) or (n, 1).
    extent : (xmin, xmax, ymin, ymax), default (-3, 3, -3, 3)
    resolution : int, default 300

    Returns
    -------
    RegionMap
        ``count`` pieces, labelled 1 to ``count``; 0 marks class 0.

    Examples
    --------
    >>> from dlbook.models import mlp_from_parameters
    >>> two = mlp_from_parameters([([[0.0, 0.0], [1.0, 0.0]], [0.0, 0.0])])  # class 1 if x1 > 0
    >>> class_pieces(two, resolution=40).count
    1
    """
    model = check_model("model", model)
    resolution = check_int("resolution", resolution, minimum=2)
    xs, ys, points = _grid(extent, resolution)
    proba = predict_proba(model, points.float())
    if proba.ndim == 2 and proba.shape[1] == 2:
        prob = proba[:, 1]
    elif proba.ndim == 1 or proba.shape[1] == 1:
        prob = proba.reshape(-1)
    else:
        raise ValueError(
            f"model must return logits of shape (n, 2) or (n, 1), got {tuple(proba.shape)}"
        )
    inside = (prob > 0.5).reshape(resolution, resolution).cpu().numpy()
    labels, count = ndimage.label(inside)
    return RegionMap(count=int(count), labels=labels.astype(np.int64), xs=xs, ys=ys)


@dataclass
class DeadUnitHistory:
    """Which hidden ReLU units are dead, epoch by epoch, during a training run.

    Attributes
    ----------
    dead : list of bool Tensors, one of shape (epochs + 1, D_l) per hidden layer
        ``dead[l][t, j]``: unit ``j`` of hidden layer ``l + 1`` is silent
        (``h <= 0``) on every training example after ``t`` epochs (row 0:
        before training).
    first_layer_steps : Tensor of shape (epochs, D_1)
        How far each unit of the first hidden layer moved in each epoch: the
        norm of the change of its row of ``W_1`` and its bias.
    """

    dead: list[torch.Tensor]
    first_layer_steps: torch.Tensor

    def revived(self) -> list[torch.Tensor]:
        """Per hidden layer, bool of shape (D_l,): dead after an epoch, alive after a later one."""
        out = []
        for d in self.dead:
            alive_later = torch.flip(torch.cummax(torch.flip((~d).int(), [0]), 0).values, [0])
            out.append((d[:-1] & alive_later[1:].bool()).any(dim=0))
        return out


def dead_unit_history(
    model: torch.nn.Sequential,
    X: Any,
    y: Any,
    *,
    optimizer: str = "adam",
    lr: float = 0.01,
    epochs: int = 100,
) -> DeadUnitHistory:
    """Train a ReLU MLP full-batch and record its dead units after every epoch.

    Each epoch is one :func:`dlbook.training.train` epoch.

    The optimiser is built once and keeps its state (Adam's running averages)
    across the epochs, so the run is the same as one call of
    :func:`dlbook.training.train` with these settings. The model is trained in place.

    Parameters
    ----------
    model : torch.nn.Sequential
        A ReLU MLP as built by :func:`dlbook.models.mlp`.
    X : Tensor of shape (n_samples, n_features)
    y : Tensor of shape (n_samples,), int64
        Class labels.
    optimizer : {"adam", "sgd"}, default "adam"
    lr : float, default 0.01
    epochs : int, default 100

    Returns
    -------
    DeadUnitHistory

    Examples
    --------
    >>> import torch
    >>> from dlbook.models import mlp
    >>> X = torch.tensor([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    >>> run = dead_unit_history(mlp([2, 3, 2], seed=0), X, torch.tensor([1, 1, 0, 0]), epochs=5)
    >>> run.dead[0].shape, run.first_layer_steps.shape
    (torch.Size([6, 3]), torch.Size([5, 3]))
    """
    net = check_model("model", model)
    if not isinstance(net, torch.nn.Sequential):
        raise TypeError(f"model must be a torch.nn.Sequential MLP, got {type(net).__name__}")
    X, y = check_classification_data(X, y)
    optimizer = check_choice("optimizer", optimizer, ("adam", "sgd"))
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    epochs = check_int("epochs", epochs, minimum=1)
    layer1 = next((m for m in net if isinstance(m, torch.nn.Linear)), None)
    if layer1 is None:
        raise ValueError("model must have a torch.nn.Linear first layer, got none")
    device = next(net.parameters()).device
    X, y = X.to(device), y.to(device)

    def snapshot() -> tuple[list[torch.Tensor], torch.Tensor]:
        with torch.no_grad():
            layers = hidden_activations(net, X)
            rows = torch.cat([layer1.weight, layer1.bias[:, None]], dim=1).detach().cpu()
        return [(h <= 0).all(dim=0).cpu() for h in layers], rows.clone()

    dead0, rows0 = snapshot()
    if not dead0:
        raise ValueError("model must have at least one hidden layer")
    opt_class = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
    opt = opt_class(net.parameters(), lr=lr)
    deads, steps, previous = [dead0], [], rows0
    for _ in range(epochs):
        train(net, X, y, optimizer=opt, epochs=1, batch_size=None, shuffle=False)
        dead, rows = snapshot()
        deads.append(dead)
        steps.append((rows - previous).norm(dim=1))
        previous = rows
    per_layer = [torch.stack([d[i] for d in deads]) for i in range(len(dead0))]
    return DeadUnitHistory(dead=per_layer, first_layer_steps=torch.stack(steps))


def folding_network(folds: int, *, radius: float = 0.2) -> torch.nn.Sequential:
    """A ReLU network on the plane whose every layer folds the plane onto itself.

    Each fold maps every coordinate ``u`` to ``|u| - c``, with ``c = 1, 1/2,
    1/4, ...`` for the first, second, third fold, which lays the four
    quadrants of the current coordinates on top of each other. A ReLU layer of
    four units computes one fold, since ``|u| = relu(u) + relu(-u)``. After
    ``folds`` folds, a last layer of four units computes ``|u_1| + |u_2|``,
    and the single output logit is ``radius - |u_1| - |u_2|``: positive on a
    diamond in the folded coordinates, which is ``4 ** folds`` diamonds in
    the input plane, centred on the points ``(a, b)`` with ``a`` and ``b``
    among ``+-1 +- 1/2 +- ...`` (``folds`` terms).

    Parameters
    ----------
    folds : int
        Number of folds, at least 0; the network has ``folds + 1`` hidden
        layers of four ReLU units.
    radius : float, default 0.2
        Half-diagonal of each diamond. For ``folds >= 1`` it must be below
        ``2 ** (1 - folds)``, half the spacing of the smallest fold, so that
        the diamonds do not touch.

    Returns
    -------
    torch.nn.Sequential
        As built by :func:`dlbook.models.mlp_from_parameters`, with one logit.

    Examples
    --------
    >>> net = folding_network(1)
    >>> out = net(torch.tensor([[1.0, 1.0], [-1.0, 1.0], [0.0, 0.0]])).squeeze(1)
    >>> [round(v, 3) for v in out.tolist()]  # inside, inside, outside the diamonds
    [0.2, 0.2, -1.8]
    """
    folds = check_int("folds", folds, minimum=0)
    radius = check_float("radius", radius, minimum=0.0, strict_minimum=True)
    if folds >= 1 and radius >= 2.0 ** (1 - folds):
        raise ValueError(
            f"radius must be below {2.0 ** (1 - folds):g} for {folds} folds (the diamonds "
            f"would touch), got {radius:g}"
        )
    split = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])  # u -> (u, -u)
    merge = torch.tensor([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]])  # relu pairs -> |u|
    layers = [(split, torch.zeros(4))]  # the first hidden layer: |x| from relu(x), relu(-x)
    for k in range(1, folds + 1):
        c = 2.0 ** (1 - k)  # 1, 1/2, 1/4, ...: u <- |u| - c, then split again
        layers.append((split @ merge, split @ torch.full((2,), -c)))
    layers.append((-torch.ones(1, 4), torch.tensor([radius])))  # radius - |u_1| - |u_2|
    return mlp_from_parameters(layers, activation="relu")
