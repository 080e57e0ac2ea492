"""dlbook: the companion library of the textbook *Introduction to Deep Learning*.

Chapters write ``import dlbook as dl``. The most used functions are available
at the top level; everything else lives in its module (``dl.data``,
``dl.models``, ``dl.training``, ``dl.plotting``, ``dl.check``, ...).

Importing dlbook only defines things: it seeds nothing, changes no matplotlib
settings, installs no warning filters, probes no device and downloads nothing.
"""

from . import check, data, devices, models, plotting, seeding, training
from .devices import get_device
from .models import count_parameters, mlp
from .plotting import set_book_style
from .seeding import seed_everything
from .training import History, evaluate, train

__version__ = "0.1.0"

__all__ = [
    "History",
    "__version__",
    "check",
    "count_parameters",
    "data",
    "devices",
    "evaluate",
    "get_device",
    "mlp",
    "models",
    "plotting",
    "seed_everything",
    "seeding",
    "set_book_style",
    "train",
    "training",
]
