"""Everything trained: latent steppers, switching classifiers, PINNs, grain and
homogenisation CNNs, image segmentation and the trust layer. The simulator
(``jaxmag`` outside this package) never imports it.

Every model trains with :func:`fit` (one loop: minibatches from an explicit key, AdamW
with warm-up and cosine decay from :func:`make_optimiser`, validation, early stopping)."""

from ._metrics import r2_pooled as r2_pooled
from ._metrics import r2_variance_weighted as r2_variance_weighted
from ._training import fit as fit
from ._training import make_optimiser as make_optimiser

__all__ = ["fit", "make_optimiser", "r2_pooled", "r2_variance_weighted"]
