"""dlbook: the companion library of the textbook *Introduction to Deep Learning*.

Chapters write ``import dlbook as dl``. The most used functions are available
at the top level; everything else lives in its module (``dl.data``,
``dl.models``, ``dl.training``, ``dl.plotting``, ``dl.check``, ...), and the
chapters' experiments and demonstrations in ``dl.demos.<topic>``.

The public names are listed once, in ``__init__.pyi`` beside this file: type
checkers read it, and ``lazy_loader.attach_stub`` turns it into the lazy
``__getattr__``, ``__dir__`` and ``__all__`` of the package, so a module is
imported the first time it is used and ``import dlbook`` stays quick.

Importing dlbook only defines things: it seeds nothing, changes no matplotlib
settings, installs no warning filters, probes no device and downloads nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import lazy_loader as lazy

__version__ = "0.1.0"

#: Where the names of earlier versions of dlbook went: ``old path -> new place``,
#: both relative to the package (``dl.<old>`` raises an AttributeError naming ``dl.<new>``).
MOVED: dict[str, str] = {
    "regression.gradient_descent_step": "linear.gradient_descent_step",
    "regression.GradientDescentResult": "linear.GradientDescentResult",
    "regression.least_squares": "linear.least_squares",
    "regression.least_squares_gd": "linear.least_squares_gd",
    "regression.max_stable_lr": "linear.max_stable_lr",
    "regression.mean_squared_error": "linear.mean_squared_error",
    "regression.mse_gradient": "linear.mse_gradient",
    "regression.plot_polynomial": "demos.overfitting.plot_polynomial",
    "regression.polynomial_errors": "demos.overfitting.polynomial_errors",
    "regression.polynomial_fit": "linear.polynomial_fit",
    "regression.polynomial_predict": "linear.polynomial_predict",
    "perceptron.binary_inputs": "data.binary_inputs",
    "perceptron.find_threshold": "demos.logic.find_threshold",
    "perceptron.FitResult": "linear.FitResult",
    "perceptron.mcculloch_pitts": "linear.mcculloch_pitts",
    "perceptron.Perceptron": "linear.Perceptron",
    "perceptron.perceptron_predict": "linear.perceptron_predict",
    "perceptron.perceptron_update": "linear.perceptron_update",
    "perceptron.plot_boundary": "plotting.plot_boundary",
    "approximation.count_linear_pieces": "diagnostics.count_linear_pieces",
    "approximation.relu_interpolant": "demos.approximation.relu_interpolant",
    "approximation.sawtooth": "demos.approximation.sawtooth",
    "approximation.sawtooth_network": "demos.approximation.sawtooth_network",
    "approximation.shallow_sawtooth": "demos.approximation.shallow_sawtooth",
    "approximation.tent_map": "demos.approximation.tent_map",
    "approximation.width_sweep": "demos.approximation.width_sweep",
    "approximation.WidthSweep": "demos.approximation.WidthSweep",
    "architectures.Autoencoder": "models.Autoencoder",
    "architectures.autoencoder": "models.autoencoder",
    "architectures.Block": "models.Block",
    "architectures.compare_on_digits": "demos.digits.compare_on_digits",
    "architectures.deep_mlp": "models.deep_mlp",
    "architectures.DeepMLP": "models.DeepMLP",
    "architectures.DigitsResult": "demos.digits.DigitsResult",
    "architectures.INITIALIZATIONS": "models.INITIALIZATIONS",
    "architectures.initialize_": "models.initialize_",
    "architectures.logistic_regression": "models.logistic_regression",
    "architectures.NORMALIZATIONS": "models.NORMALIZATIONS",
    "architectures.sequence_classifier": "models.sequence_classifier",
    "architectures.SequenceClassifier": "models.SequenceClassifier",
    "architectures.small_cnn": "models.small_cnn",
    "geometry.apply_layer": "demos.geometry.apply_layer",
    "geometry.gaussian_cloud": "data.gaussian_cloud",
    "geometry.grid_cloud": "data.grid_cloud",
    "geometry.plot_cloud": "demos.geometry.plot_cloud",
    "geometry.plot_layer_gallery": "demos.geometry.plot_layer_gallery",
    "pitfalls.accumulated_gradient": "demos.pitfalls.accumulated_gradient",
    "pitfalls.batch_dependence": "demos.pitfalls.batch_dependence",
    "pitfalls.dropout_batchnorm_mlp": "models.mlp(sizes, norm='batch', dropout=0.5)",
    "pitfalls.patient_data": "data.patient_data",
    "pitfalls.prediction_spread": "demos.pitfalls.prediction_spread",
    "pitfalls.saved_tensor_bytes": "demos.pitfalls.saved_tensor_bytes",
    "pitfalls.training_losses": "demos.pitfalls.training_losses",
    "sequences.first_symbol": "data.first_symbol",
    "models.xor_network": "demos.logic.xor_network",
    "scratch.two_one_one_step": "demos.backprop.two_one_one_step",
    "optim.descend": "demos.optimizers.descend",
    "optim.plot_paths": "demos.optimizers.plot_paths",
    "optim.ravine": "demos.optimizers.ravine",
    "diagnostics.GradientProfile": "demos.gradients.GradientProfile",
    "diagnostics.plot_gradient_profiles": "demos.gradients.plot_gradient_profiles",
    "diagnostics.vanishing_gradient_experiment": "demos.gradients.vanishing_gradient_experiment",
    "precision.matmul_error": "demos.precision.matmul_error",
    "precision.train_mixed_precision": "train(model, X, y, amp=torch.bfloat16)",
    "benchmark.synchronize": "devices.synchronize",
}


def moved_attribute(module: str, name: str) -> AttributeError:
    """The AttributeError for ``<module>.<name>``, naming the new place of a moved name.

    ``module`` is a dotted module name such as ``"dlbook.models"``. Modules whose
    names moved call this from their module-level ``__getattr__``.
    """
    relative = module.removeprefix(__name__).lstrip(".")
    path = f"{relative}.{name}" if relative else name
    if path in MOVED:
        return AttributeError(f"dl.{path} has moved: use dl.{MOVED[path]}")
    prefix = f"{path}."
    parts: dict[str, list[str]] = {}
    for old, new in MOVED.items():
        if not old.startswith(prefix):
            continue
        old_name = old[len(prefix) :]
        home, _, new_name = new.rpartition(".")
        if new_name == old_name:  # same name in another module
            parts.setdefault(f"dl.{home}", []).append(old_name)
        else:
            parts.setdefault(f"dl.{new}", []).append(old_name)
    if parts:
        where = "; ".join(f"{', '.join(names)}: {home}" for home, names in parts.items())
        return AttributeError(f"dl.{path} no longer exists; its contents moved ({where})")
    return AttributeError(f"module {module!r} has no attribute {name!r}")


def lazy_package(
    name: str, file: str, *, extra: tuple[str, ...] = ()
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` of a package whose stub lists its names.

    ``lazy_loader.attach_stub`` reads the ``__init__.pyi`` beside ``file``; a
    name that is not there raises :func:`moved_attribute`'s error, and
    ``dir()`` shows the listed names and ``extra`` only.
    """
    lazy_getattr, _, listed = lazy.attach_stub(name, file)
    names = sorted([*listed, *extra])

    def __getattr__(attribute: str) -> Any:
        if attribute in listed:
            return lazy_getattr(attribute)
        raise moved_attribute(name, attribute)

    def __dir__() -> list[str]:
        return list(names)

    return __getattr__, __dir__, names


__getattr__, __dir__, __all__ = lazy_package(__name__, __file__, extra=("__version__",))
