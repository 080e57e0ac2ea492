# The demonstration modules, listed once (read by type checkers and by
# lazy_loader.attach_stub in __init__.py; a test checks the list).

from . import approximation as approximation
from . import backprop as backprop
from . import ddp_train as ddp_train
from . import descent as descent
from . import diagrams as diagrams
from . import digits as digits
from . import geometry as geometry
from . import gpu_benchmark as gpu_benchmark
from . import gradients as gradients
from . import interactive_figures as interactive_figures
from . import logic as logic
from . import memory as memory
from . import optimizers as optimizers
from . import overfitting as overfitting
from . import pitfalls as pitfalls
from . import precision as precision
from . import regions as regions
from . import separability as separability
