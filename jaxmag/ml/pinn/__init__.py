"""Physics-informed neural networks for the LLG equation (equinox, optax, orbax).

- :mod:`.network`: the MLP (tanh, Fourier features, SIREN); :mod:`.ansatz`: unit-vector
  PINNs with hard initial and boundary conditions;
- :mod:`.residual`: LLG residuals by ``jax.jvp`` and the manufactured 1D solution;
- :mod:`.train`: Adam on resampled collocation points, then L-BFGS;
- cases: :mod:`.macrospin_case` (conditioned on t, h, ψ, α), :mod:`.film1d`
  (manufactured solution), :mod:`.static` (energy minimisation), :mod:`.failure_map`;
- :func:`save_model` / :func:`load_model`: save and restore with orbax.
"""

from . import film1d, macrospin_case, static
from ._ansatz import (
    Film1DPINN as Film1DPINN,
)
from ._ansatz import (
    Film2DPINN as Film2DPINN,
)
from ._ansatz import (
    MacrospinPINN as MacrospinPINN,
)
from ._ansatz import (
    task_start as task_start,
)
from ._failure_map import (
    failure_map as failure_map,
)
from ._failure_map import (
    plot_failure_map as plot_failure_map,
)
from ._io import (
    load_model as load_model,
)
from ._io import (
    save_model as save_model,
)
from ._network import (
    Net as Net,
)
from ._network import (
    from_config as from_config,
)
from ._residual import (
    film1d_residual as film1d_residual,
)
from ._residual import (
    macrospin_residual as macrospin_residual,
)
from ._residual import (
    manufactured_forcing as manufactured_forcing,
)
from ._residual import (
    manufactured_solution as manufactured_solution,
)
from ._residual import (
    time_derivative as time_derivative,
)
from ._train import (
    train as train,
)

__all__ = [
    "Film1DPINN",
    "Film2DPINN",
    "MacrospinPINN",
    "Net",
    "failure_map",
    "film1d",
    "film1d_residual",
    "from_config",
    "load_model",
    "macrospin_case",
    "macrospin_residual",
    "manufactured_forcing",
    "manufactured_solution",
    "plot_failure_map",
    "save_model",
    "static",
    "task_start",
    "time_derivative",
    "train",
]
