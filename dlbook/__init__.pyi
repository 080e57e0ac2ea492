# The public API of dlbook, listed once: type checkers read this stub, and
# dlbook/__init__.py hands it to lazy_loader.attach_stub, which imports each name
# the first time it is used. A new public module is added here (a test checks the
# list). The `name as name` form marks a re-export for type checkers; a stub
# that lazy_loader reads may import only from within the package.

from . import benchmark as benchmark
from . import check as check
from . import conv as conv
from . import data as data
from . import datasets as datasets
from . import demos as demos
from . import devices as devices
from . import diagnostics as diagnostics
from . import distributed as distributed
from . import functional as functional
from . import interactive as interactive
from . import linear as linear
from . import models as models
from . import notebook as notebook
from . import optim as optim
from . import plotting as plotting
from . import precision as precision
from . import scratch as scratch
from . import seeding as seeding
from . import shapes as shapes
from . import training as training
from .devices import get_device as get_device
from .models import count_parameters as count_parameters
from .models import mlp as mlp
from .plotting import set_book_style as set_book_style
from .seeding import seed_everything as seed_everything
from .training import History as History
from .training import evaluate as evaluate
from .training import predict as predict
from .training import predict_proba as predict_proba
from .training import train as train

__version__: str
MOVED: dict[str, str]

def moved_attribute(module: str, name: str) -> AttributeError: ...
def lazy_package(
    name: str, file: str, *, extra: tuple[str, ...] = ()
) -> tuple[object, object, list[str]]: ...
