"""The trust adapter of the homogenisation CNN (:mod:`jaxmag.ml.homogenisation`).

A sample is one periodic two-phase cell from
:func:`jaxmag.ml.homogenisation.make_dataset`: the input row is ``(log c, map)``
(the natural log of the particles' μr, then the flattened phase map as 0/1), the target
the components ``(xx, yy, xy)`` of ``log μ_eff`` (dimensionless, matrix μr = 1) from the
FFT solver. The score is their variance-weighted R² (:func:`jaxmag.ml.r2_variance_weighted`).
"""

from dataclasses import dataclass, field

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PRNGKeyArray

from jaxmag.ml._metrics import r2_variance_weighted
from jaxmag.ml.homogenisation._baselines import LAGS, image_features
from jaxmag.ml.homogenisation._cnn import PermeabilityCNN, bruggeman_reference
from jaxmag.ml.homogenisation._dataset import make_dataset
from jaxmag.ml.homogenisation._microstructures_mix import KINDS
from jaxmag.ml.homogenisation._tensors import expm_sym, logm_spd
from jaxmag.ml.homogenisation._training import train_cnn
from jaxmag.ml.trust.adapters._common import merged, rmse


def _space() -> dict[str, list]:
    return {"width": [8, 16], "learning_rate": [2e-3, 5e-3], "weight_decay": [1e-4, 1e-2]}


def _default() -> dict:
    return {
        "width": 8,
        "depth": 1,
        "patch": 4,
        "learning_rate": 5e-3,
        "weight_decay": 1e-4,
        "epochs": 100,
        "batch_size": 16,
        "augment": True,
    }


@eqx.filter_jit
def _mu(model: PermeabilityCNN, maps, contrasts):
    return model(maps, contrasts)


@eqx.filter_jit
def _pooled(model: PermeabilityCNN, maps, contrasts):
    # the head's input: the network with its head replaced by the identity
    return eqx.tree_at(lambda m: m.head, model, replace=lambda z: z).log_correction(maps, contrasts)


@dataclass(frozen=True)
class HomogenisationTrust:
    """`PermeabilityCNN` trained by `train_cnn` (AdamW, symmetry augmentation) on
    `size` × `size` cells of the microstructure `kinds` (``microstructures_mix.KINDS``)
    with contrasts log-uniform in `contrast_range`; the shifted set has contrasts in
    `shift_contrast`. `predict` feeds the map to the network as real
    numbers, so input noise makes a soft map (the network reads the phase as a float).

    `features` summarises the inputs (volume fraction, ``log c``, two-point correlation):
    the CNN's pooled hidden feature (:meth:`hidden_features`, the head's input) barely
    moves with the contrast, which enters it as one column of ``2 width + 2``, and a
    k-NN domain on it flagged under half of the cells at 10–30× the highest training contrast."""

    size: int = 32
    n_quick: int = 63
    n_full: int = 400
    contrast_range: tuple = (10.0, 100.0)
    shift_contrast: tuple = (1000.0, 3000.0)
    kinds: tuple = KINDS
    space: dict = field(default_factory=_space)
    default: dict = field(default_factory=_default)
    name: str = "homogenisation"

    def _make(self, key, n, contrast_range) -> tuple[np.ndarray, np.ndarray]:
        d = make_dataset(key, n, (self.size, self.size), contrast_range=contrast_range,
                         kinds=self.kinds, verbose=False)  # fmt: skip
        X = np.concatenate([np.log(d["contrast"])[:, None], d["maps"].reshape(n, -1)], 1)
        return X.astype(float), logm_spd(d["mu_eff"])

    def data(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]:
        """``X (n, 1 + size²)``, ``y (n, 3)``."""
        return self._make(key, self.n_quick if quick else self.n_full, self.contrast_range)

    def shifted(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]:
        """Cells with contrasts in `shift_contrast`, beyond `contrast_range`."""
        lo, hi = self.shift_contrast
        if lo <= self.contrast_range[1] and hi >= self.contrast_range[0]:
            raise ValueError(f"shift_contrast {self.shift_contrast} overlaps {self.contrast_range}")
        n = max(8, (self.n_quick if quick else self.n_full) // 4)
        return self._make(key, n, self.shift_contrast)

    def unpack(self, X) -> tuple[np.ndarray, np.ndarray]:
        """``(maps (n, size, size) as floats, contrasts (n,))`` of input rows."""
        X = np.asarray(X, float)
        if X.ndim != 2 or X.shape[1] != 1 + self.size**2:
            raise ValueError(f"inputs must be (n, {1 + self.size**2}), got {X.shape}")
        return X[:, 1:].reshape(len(X), self.size, self.size), np.exp(X[:, 0])

    def fit(self, X, y, params: dict, key: PRNGKeyArray) -> PermeabilityCNN:
        p = merged(self.default, params, self.name)
        maps, c = self.unpack(X)
        k_init, k_train = jax.random.split(key)
        model = PermeabilityCNN((self.size, self.size), int(p["width"]), int(p["depth"]),
                                int(p["patch"]), key=k_init)  # fmt: skip
        mu = np.asarray(expm_sym(jnp.asarray(y, float)))
        model, _ = train_cnn(
            model,
            maps > 0.5,
            c,
            mu,
            key=k_train,
            epochs=int(p["epochs"]),
            batch_size=min(int(p["batch_size"]), len(maps)),
            learning_rate=float(p["learning_rate"]),
            weight_decay=float(p["weight_decay"]),
            augment=bool(p["augment"]),
            verbose=False,
        )
        return model

    def predict(self, model: PermeabilityCNN, X, batch: int = 256) -> np.ndarray:
        """Predicted ``log μ_eff`` components ``(n, 3)``."""
        maps, c = self.unpack(X)
        out = [_mu(model, jnp.asarray(maps[i : i + batch], jnp.float32),
                       jnp.asarray(c[i : i + batch], jnp.float32))
               for i in range(0, len(maps), batch)]  # fmt: skip
        return logm_spd(np.concatenate([np.asarray(o, float) for o in out]))

    def score(self, model: PermeabilityCNN, X, y) -> float:
        """R² (:func:`jaxmag.ml.r2_variance_weighted`) of the ``log μ_eff`` components."""
        return r2_variance_weighted(y, self.predict(model, X))

    def reference_score(self, X, y) -> float:
        """R² of the CNN's physics reference alone, the Bruggeman estimate ``μ_B I`` of
        each map's volume fraction and contrast (the prediction with ``S = 0``; it lies
        inside the bounds). The network only corrects it, so a fit that learns nothing
        from the targets keeps about this score: the chance level of Y-randomisation."""
        maps, c = self.unpack(X)
        ref = np.log(np.asarray(bruggeman_reference(maps.mean((-2, -1)), c), float))
        return r2_variance_weighted(y, np.stack([ref, ref, np.zeros_like(ref)], -1))

    def error(self, model: PermeabilityCNN, X, y) -> float:
        """RMS error of the ``log μ_eff`` components."""
        return rmse(y, self.predict(model, X))

    def features(self, model: PermeabilityCNN, X) -> np.ndarray:
        """``(f, log c, C(1), C(2), C(4), C(8), C(16))`` ``(n, 7)``: the volume fraction,
        the log contrast and the normalised two-point correlation ``C`` of the map at
        those lags (px), averaged over x, y and both diagonals (``image_features``).
        `model` is not used."""
        maps, c = self.unpack(X)
        full = image_features(maps > 0.5, c)
        lags = full[:, 2:].reshape(len(maps), len(LAGS), 4).mean(2)
        return np.concatenate([full[:, :2], lags], 1)

    def hidden_features(self, model: PermeabilityCNN, X) -> np.ndarray:
        """The head's input ``(n, 2 width + 2)``: pooled features, ``log c``, fraction."""
        maps, c = self.unpack(X)
        z = _pooled(model, jnp.asarray(maps, jnp.float32), jnp.asarray(c, jnp.float32))
        width = model.stem.weight.shape[-1]
        if z.shape != (len(maps), 2 * width + 2):
            raise RuntimeError(f"unexpected CNN head input {z.shape}; has cnn.py changed?")
        return np.asarray(z, float)
