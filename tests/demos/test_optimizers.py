"""Tests of dlbook.demos.optimizers: the ravine, recorded paths and their plot."""

from __future__ import annotations

import pytest
import torch

from dlbook.demos.optimizers import descend, plot_paths, ravine
from dlbook.optim import SGD


def test_ravine_values_and_errors():
    torch.testing.assert_close(ravine(torch.tensor([2.0, 1.0]), curvature=4.0), torch.tensor(4.0))
    assert ravine(torch.zeros(5, 2)).shape == (5,)
    with pytest.raises(ValueError, match="2 coordinates"):
        ravine(torch.zeros(3))
    with pytest.raises(ValueError, match="curvature must be > 0"):
        ravine(torch.zeros(2), curvature=0.0)


def test_descend_records_path_and_matches_a_hand_loop():
    path, losses = descend(ravine, [2.0, 1.0], lambda p: SGD(p, lr=0.1), steps=3)
    assert path.shape == (4, 2) and losses.shape == (4,)
    # gradient of the ravine is (w1, 20 w2): one SGD step multiplies w1 by 0.9, w2 by -1
    torch.testing.assert_close(path[1], torch.tensor([1.8, -1.0]))
    torch.testing.assert_close(losses, ravine(path))


def test_descend_orders_the_optimisers_on_the_ravine():
    start = [-4.5, 1.5]
    _, sgd = descend(ravine, start, lambda p: SGD(p, lr=0.05), steps=30)
    _, momentum = descend(ravine, start, lambda p: SGD(p, lr=0.05, momentum=0.7), steps=30)
    assert momentum[-1] < sgd[-1]


def test_descend_errors():
    with pytest.raises(TypeError, match="fn must be callable"):
        descend(3, [0.0, 0.0], lambda p: SGD(p, lr=0.1))
    with pytest.raises(TypeError, match="make_optimizer must be callable"):
        descend(ravine, [0.0, 0.0], None)
    with pytest.raises(TypeError, match=r"must return a torch\.optim\.Optimizer"):
        descend(ravine, [0.0, 0.0], lambda p: "sgd")
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        descend(ravine, [0.0, 0.0], lambda p: SGD(p, lr=0.1), steps=0)


def test_plot_paths_draws_one_line_per_path_and_rejects_bad_input():
    path, _ = descend(ravine, [-4.0, 1.0], lambda p: SGD(p, lr=0.05), steps=4)
    ax = plot_paths({"a": path, "b": path.numpy()})
    assert len(ax.get_lines()) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    with pytest.raises(TypeError, match="non-empty mapping"):
        plot_paths({})
    with pytest.raises(ValueError, match="must have shape"):
        plot_paths({"a": torch.zeros(3, 3)})
    with pytest.raises(ValueError, match="extent"):
        plot_paths({"a": path}, extent=(0, 1))


def test_descend_agrees_with_dl_train_on_a_one_parameter_model():
    import dlbook as dl

    class Point(torch.nn.Module):
        def __init__(self, start: list[float]) -> None:
            super().__init__()
            self.w = torch.nn.Parameter(torch.tensor(start))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return ravine(self.w).expand(len(x))  # (B,): the same value for every input

    start = [2.0, 1.0]
    path, losses = descend(ravine, start, lambda p: SGD(p, lr=0.05, momentum=0.5), steps=10)
    point = Point(start)
    history = dl.train(
        point,
        torch.zeros(1, 1),
        torch.zeros(1),
        loss=lambda outputs, _targets: outputs.mean(),
        optimizer=SGD(point.parameters(), lr=0.05, momentum=0.5),
        epochs=10,
    )
    torch.testing.assert_close(point.w.detach(), path[-1])
    assert history.step_loss == pytest.approx(losses[:-1].tolist(), rel=1e-6)
    assert history.final_loss == pytest.approx(float(losses[-1]), rel=1e-6)
