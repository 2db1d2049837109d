"""The trust layer for jaxmag's surrogates: cross-validated tuning, robustness checks
(Y-randomisation, input noise, training seeds) and an applicability domain.

Every function here takes the model through two callables, so that it serves any of the
package's models (equinox networks trained with optax, kernel steppers, scikit-learn
baselines):

- ``fit(X, y, params, key) -> model`` trains on arrays with the hyper-parameters `params`;
- ``score(model, X, y) -> float`` scores held-out data, higher is better (R², AUC, …).
"""

from ._domain import (
    ApplicabilityDomain as ApplicabilityDomain,
)
from ._flagged import (
    Flagged as Flagged,
)
from ._flagged import (
    FlaggedPredictor as FlaggedPredictor,
)
from ._robustness import (
    holdout_split as holdout_split,
)
from ._robustness import (
    noise_sensitivity as noise_sensitivity,
)
from ._robustness import (
    seed_spread as seed_spread,
)
from ._robustness import (
    y_randomisation as y_randomisation,
)
from ._tuning import (
    SearchResult as SearchResult,
)
from ._tuning import (
    cross_validated_search as cross_validated_search,
)
from ._tuning import (
    kfold_indices as kfold_indices,
)

__all__ = [
    "ApplicabilityDomain",
    "Flagged",
    "FlaggedPredictor",
    "SearchResult",
    "cross_validated_search",
    "holdout_split",
    "kfold_indices",
    "noise_sensitivity",
    "seed_spread",
    "y_randomisation",
]
