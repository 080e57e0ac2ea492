"""What an interactive figure should read out, computed again with dlbook (not read from it).

Shared by the browser tests (tests/test_interactive_browser.py on a standalone page,
tests/site/test_interactive.py on the built site): for a figure's data (its ``source``
holds the builder's arguments) and a setting of its controls, :func:`expected_readout`
returns text that the readout must contain, worked out from dlbook's functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

#: The figures of the chapters, by name (``data-name``), and the chapter each belongs in.
FIGURES = {
    "perceptron_boundary": "perceptron",
    "mlp_training": "mlp",
    "approximation_width": "universal-approximation",
    "temperature_control": "softmax-cross-entropy",
    "gradient_profile": "vanishing-gradients",
    "optimizer_paths": "libraries-and-gpus",
}


def expected_readout(data: dict[str, Any], setting: tuple[int, ...]) -> str:
    """Text the readout shows at ``setting`` (one index per control), from dlbook."""
    src = data["source"]
    name = src["builder"]
    if name == "temperature_control":
        from dlbook.functional import entropy, softmax

        (i,) = setting
        t = src["temperatures"][i]
        p = softmax(np.array(src["logits"]), temperature=t)
        return f"T = {t:.2f}: entropy {float(entropy(p)):.3f} nats"
    if name == "perceptron_boundary":
        from dlbook.data import blobs
        from dlbook.linear import perceptron_predict

        i, j = setting
        a, b = src["angles"][i], src["biases"][j]
        X, y = blobs(src["n_samples"], seed=src["seed"])
        w = torch.tensor([np.cos(np.radians(a)), np.sin(np.radians(a))], dtype=torch.float64)
        wrong = int((perceptron_predict(X.double(), w, b) != y).sum())
        return f"b = {b:.2f}: {wrong} of {len(y)} points misclassified"
    if name == "mlp_training":
        from dlbook.data import xor
        from dlbook.functional import cross_entropy
        from dlbook.models import mlp

        (i,) = setting
        if src["steps"][i] != 0:
            raise ValueError("only the untrained network (step 0) is recomputed")
        X, y = xor(10, noise=0.15, seed=src["seed"])
        model = mlp([2, src["hidden"], 2], activation="tanh", seed=src["seed"])
        with torch.no_grad():
            loss = float(cross_entropy(model(X), y))
        return f"step 0: loss {loss:.3f}"
    if name == "approximation_width":
        import dlbook.demos.interactive_figures as figs
        from dlbook.demos.approximation import width_sweep

        (i,) = setting
        w = src["widths"][i]
        sweep = width_sweep(figs._bumpy, [w], method=src["method"])
        return f"width {w}: max error {sweep.max_error[0]:.3g}"
    if name == "gradient_profile":
        from dlbook.demos.gradients import vanishing_gradient_experiment

        i, j = setting
        (p,) = vanishing_gradient_experiment(
            depths=src["depth"],
            activations=src["activations"][i],
            inits=src["inits"][j],
            width=src["width"],
            n_samples=src["n_samples"],
            seed=src["seed"],
        )
        return f"{p.activation}, {p.init} initialisation: first-layer gradient norm " + (
            f"{float(p.norms[0]):.3g}"
        )
    if name == "optimizer_paths":
        from dlbook.demos.optimizers import descend, ravine
        from dlbook.optim import SGD

        i, j = setting
        lr, mu = src["lrs"][i], src["momenta"][j]
        _, losses = descend(
            lambda w: ravine(w, curvature=src["curvature"]),
            src["start"],
            lambda p: SGD(p, lr=lr, momentum=mu),
            steps=src["steps"],
        )
        return f"momentum {mu:g}: loss after {src['steps']} steps {float(losses[-1]):.3g}"
    raise ValueError(f"no check for the figure {name!r}")


def setting_of(data: dict[str, Any], frame: int) -> tuple[int, ...]:
    """The control indices of frame number ``frame`` (the last control varies fastest)."""
    sizes = [len(c["values"]) for c in data["controls"]]
    out = []
    for n in reversed(sizes):
        out.append(frame % n)
        frame //= n
    return tuple(reversed(out))


def drive_with_keyboard(page: Any, root: Any, data: dict[str, Any]) -> list[str]:
    """Move each control of the figure ``root`` (a Playwright locator) from the keyboard.

    For every control: focus it, press End (a slider; Home if it is at its end) or
    ArrowDown (a select), and check
    that the frame shown, the drawing and the readout change, and that the readout
    agrees with :func:`expected_readout` (when that figure's setting can be recomputed).
    Returns the problems found (empty when all is well).
    """
    problems: list[str] = []
    drawing = root.locator("svg g.dlf-frame")
    readout = root.locator(".dlf-readout")
    inputs = root.locator("input[type=range], select")
    if inputs.count() != len(data["controls"]):
        return [f"{inputs.count()} controls drawn, {len(data['controls'])} in the data"]
    for k in range(inputs.count()):
        control = inputs.nth(k)
        name = page.evaluate(
            "(el) => { const l = el.labels && el.labels[0]; return l ? l.textContent : ''; }",
            control.element_handle(),
        )
        if name != data["controls"][k]["label"]:
            problems.append(
                f"control {k} is labelled {name!r}, not {data['controls'][k]['label']!r}"
            )
        before = (drawing.inner_html(), readout.text_content(), root.get_attribute("data-frame"))
        control.focus()
        tag = control.evaluate("(el) => el.tagName")
        if tag == "SELECT":
            page.keyboard.press("ArrowDown")
        elif control.evaluate("(el) => el.value === el.max"):
            page.keyboard.press("Home")
        else:
            page.keyboard.press("End")
        after = (drawing.inner_html(), readout.text_content(), root.get_attribute("data-frame"))
        if after[2] == before[2]:
            problems.append(f"{data['name']}: the key did not move control {k} ({name})")
            continue
        if after[0] == before[0]:
            problems.append(f"{data['name']}: moving {name} did not change the drawing")
        frame = int(after[2])
        if after[1] != data["frames"][frame]["text"]:
            problems.append(f"{data['name']}: readout {after[1]!r} is not frame {frame}'s")
        try:
            expected = expected_readout(data, setting_of(data, frame))
        except ValueError:
            expected = None
        if expected is not None and expected not in (after[1] or ""):
            problems.append(f"{data['name']}: readout {after[1]!r} lacks dlbook's {expected!r}")
    if data["name"] == "mlp_training":  # back to step 0, whose loss is recomputed
        inputs.nth(0).focus()
        page.keyboard.press("Home")
        expected = expected_readout(data, (0,))
        if expected not in (readout.text_content() or ""):
            problems.append(f"mlp_training: readout lacks dlbook's {expected!r}")
    return problems
