"""The trust layer for jaxmag's surrogates: cross-validated tuning, robustness checks
(Y-randomisation, input noise, training seeds) and an applicability domain.

Every function here takes the model through two callables, so that it serves any of the
package's models (equinox networks trained with optax, kernel steppers, scikit-learn
baselines):

- ``fit(X, y, params, key) -> model`` trains on arrays with the hyper-parameters `params`;
- ``score(model, X, y) -> float`` scores held-out data, higher is better (R², AUC, …).
"""

from .domain import ApplicabilityDomain
from .flagged import Flagged, FlaggedPredictor
from .robustness import holdout_split, noise_sensitivity, seed_spread, y_randomisation
from .tuning import SearchResult, cross_validated_search, kfold_indices

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
