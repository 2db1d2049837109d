"""Predictions that carry their applicability-domain flag.

:class:`FlaggedPredictor` joins a model's prediction function, its feature map and an
:class:`~jaxmag.ml.trust.ApplicabilityDomain` fitted on the training features, so that
every prediction comes with ``in_domain`` (and the distance score behind it)."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from jaxmag.ml.trust._domain import ApplicabilityDomain


@dataclass(frozen=True)
class Flagged:
    """`prediction`: the model's output for a batch; `in_domain` ``(n,)``: whether each
    input lies within the domain; `score` ``(n,)``: its distance score; `threshold`."""

    prediction: object
    in_domain: np.ndarray
    score: np.ndarray
    threshold: float


@dataclass(frozen=True)
class FlaggedPredictor:
    """`predict(*inputs)` and `features(*inputs) -> (n, f)` of one model, with the
    `domain` fitted on its training features (:meth:`from_training`)."""

    predict: Callable
    features: Callable
    domain: ApplicabilityDomain

    @classmethod
    def from_training(
        cls, predict: Callable, features: Callable, *train_inputs, **domain_options
    ) -> "FlaggedPredictor":
        """Fit the domain on ``features(*train_inputs)``; `domain_options` go to
        :meth:`ApplicabilityDomain.fit` (method, k, quantile)."""
        domain = ApplicabilityDomain.fit(features(*train_inputs), **domain_options)
        return cls(predict, features, domain)

    def __call__(self, *inputs) -> Flagged:
        """Predict on a batch and flag each input."""
        score = self.domain.score(self.features(*inputs))
        return Flagged(
            self.predict(*inputs), score <= self.domain.threshold, score, self.domain.threshold
        )
