"""Material parameters, as scalars or per-cell arrays, and their validation."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int

from jaxmag._mesh import Mesh
from jaxmag._validate import check_real, check_shape, is_concrete

_SCALARS = ("Ms", "A", "alpha", "Ku1", "Ku2", "Kc1", "Kc2", "Kc3")
_AXES = ("anis_u", "anis_c1", "anis_c2")


def _on_one_device(x) -> bool:
    """Concrete, and not spread over devices: small set-up arithmetic on it can run on
    the host (NumPy, the same IEEE operations) instead of compiling a small XLA program
    per operation and mesh shape. A sharded array keeps its sharding on the device."""
    if not is_concrete(x):
        return False
    return not isinstance(x, jax.Array) or len(x.sharding.device_set) == 1


def _broadcast_to(v, shape):
    """``jnp.broadcast_to``; on the host for an array on one device."""
    if np.shape(v) == tuple(shape):
        return v
    if _on_one_device(v):
        return jnp.asarray(np.broadcast_to(np.asarray(v), shape))
    return jnp.broadcast_to(v, shape)


def unit_vector(name: str, v, shapes: tuple[tuple[int, ...], ...] | None = None):
    """``v / |v|`` for vectors with 3 components first (an axis ``(3,)`` or a per-cell
    field ``(3, nx, ny, nz)``): real and finite, of one of `shapes` if given, and
    non-zero everywhere, else an error naming `name` (and where the zero vector is)."""
    check_real(name, v)
    if shapes is not None:
        check_shape(name, v, shapes)
    v = jnp.asarray(v, dtype=float)
    if v.shape[:1] != (3,):
        raise ValueError(f"{name} must have 3 components first, got shape {v.shape}")
    # on the host for an array on one device, in its dtype (the same IEEE operations):
    # op by op on the device, each new mesh shape would compile four small programs
    host = _on_one_device(v)
    a, xp = (np.asarray(v), np) if host else (v, jnp)
    norm = xp.sqrt(xp.sum(a**2, axis=0))
    if is_concrete(norm) and not np.all(np.asarray(norm) > 0):
        where = tuple(int(i) for i in np.argwhere(~(np.asarray(norm) > 0))[0])
        got = np.asarray(a).tolist() if a.ndim == 1 else f"a zero vector at {where}"
        raise ValueError(f"{name} must be a non-zero vector, got {got}")
    return jnp.asarray(a / norm) if host else a / norm


class Material(eqx.Module):
    """Magnetic parameters. Each is a scalar or an array of shape ``(nx, ny, nz)``
    (axes: ``(3,)`` or ``(3, nx, ny, nz)``).

    **Arguments:**

    - `Ms`: saturation magnetisation in A/m, >= 0 (0 marks a non-magnetic cell).
    - `A`: exchange stiffness in J/m, >= 0.
    - `alpha`: Gilbert damping (dimensionless), >= 0.
    - `Ku1`, `Ku2`: first- and second-order uniaxial anisotropy constants in J/m³
      (positive: easy axis), energy density ``-Ku1 (m·u)² - Ku2 (m·u)⁴``.
    - `anis_u`: the uniaxial axis ``u`` (normalised here).
    - `Kc1`: first-order cubic anisotropy in J/m³, energy density
      ``Kc1 (a1² a2² + a2² a3² + a3² a1²)`` with ``ai = m·ci``.
    - `Kc2`, `Kc3`: second- and third-order cubic anisotropy in J/m³, energy densities
      ``Kc2 a1² a2² a3²`` and ``Kc3 (a1⁴ a2⁴ + a2⁴ a3⁴ + a3⁴ a1⁴)`` (mumax3's terms).
    - `anis_c1`, `anis_c2`: the first two cubic axes (``c3 = c1 × c2``); they must be
      orthogonal.
    - `region`: optional integer region index per cell (see :func:`Material.from_regions`).
    - `exchange_scaling`: optional ``(R, R)`` matrix ``S``; the exchange across a face
      between regions ``i ≠ j`` is ``S[i, j]`` times the harmonic mean of their ``A``.
      Finite, any sign: a negative ``S`` couples the two regions antiparallel, an
      interlayer (RKKY) coupling of ``2 S A / d`` J/m² across faces ``d`` apart
      (mumax3's ``ext_ScaleExchange``).
    """

    Ms: Float[Array, "..."]
    A: Float[Array, "..."]
    alpha: Float[Array, "..."]
    Ku1: Float[Array, "..."]
    Ku2: Float[Array, "..."]
    anis_u: Float[Array, "3 ..."]
    Kc1: Float[Array, "..."]
    Kc2: Float[Array, "..."]
    Kc3: Float[Array, "..."]
    anis_c1: Float[Array, "3 ..."]
    anis_c2: Float[Array, "3 ..."]
    region: Int[Array, "nx ny nz"] | None = None
    exchange_scaling: Float[Array, "R R"] | None = None

    def __init__(
        self,
        Ms,
        A=0.0,
        alpha=0.0,
        *,
        Ku1=0.0,
        Ku2=0.0,
        anis_u=(0.0, 0.0, 1.0),
        Kc1=0.0,
        Kc2=0.0,
        Kc3=0.0,
        anis_c1=(1.0, 0.0, 0.0),
        anis_c2=(0.0, 1.0, 0.0),
        region=None,
        exchange_scaling=None,
    ):
        check_real("Ms (A/m)", Ms, nonneg=True)
        check_real("A (J/m)", A, nonneg=True)
        check_real("alpha", alpha, nonneg=True)
        for name, v in (("Ku1 (J/m³)", Ku1), ("Ku2 (J/m³)", Ku2), ("Kc1 (J/m³)", Kc1),
                        ("Kc2 (J/m³)", Kc2), ("Kc3 (J/m³)", Kc3)):  # fmt: skip
            check_real(name, v)
        self.Ms = jnp.asarray(Ms, dtype=float)
        self.A = jnp.asarray(A, dtype=float)
        self.alpha = jnp.asarray(alpha, dtype=float)
        self.Ku1 = jnp.asarray(Ku1, dtype=float)
        self.Ku2 = jnp.asarray(Ku2, dtype=float)
        self.Kc1 = jnp.asarray(Kc1, dtype=float)
        self.Kc2 = jnp.asarray(Kc2, dtype=float)
        self.Kc3 = jnp.asarray(Kc3, dtype=float)
        self.anis_u = unit_vector("anis_u", anis_u)
        self.anis_c1 = unit_vector("anis_c1", anis_c1)
        self.anis_c2 = unit_vector("anis_c2", anis_c2)
        if is_concrete(self.anis_c1) and is_concrete(self.anis_c2):  # a host check
            dot = np.sum(np.asarray(self.anis_c1) * np.asarray(self.anis_c2), axis=0)
            if np.any(np.abs(dot) > 1e-6):
                raise ValueError("anis_c1 and anis_c2 must be orthogonal")
        self.region = None if region is None else jnp.asarray(region, dtype=jnp.int32)
        if exchange_scaling is not None:
            check_real("exchange_scaling", exchange_scaling)  # < 0: antiparallel (RKKY)
            exchange_scaling = jnp.asarray(exchange_scaling, dtype=float)
        self.exchange_scaling = exchange_scaling

    @property
    def anis_c3(self) -> Float[Array, "3 ..."]:
        return jnp.cross(self.anis_c1, self.anis_c2, axis=0)

    def _broadcast(self, mesh: Mesh) -> dict:
        shape = mesh.shape
        out = {}
        for name in _SCALARS:
            v = getattr(self, name)
            check_shape(name, v, ((), shape))
            out[name] = _broadcast_to(v, shape)
        for name in _AXES:
            v = getattr(self, name)
            check_shape(name, v, ((3,), (3, *shape)))
            out[name] = _broadcast_to(v.reshape(3, 1, 1, 1) if v.ndim == 1 else v, (3, *shape))
        return out

    def on(self, mesh: Mesh, mask=None) -> "Material":
        """Return this material as full per-cell arrays on ``mesh``.

        **Arguments:**

        - `mesh`: the grid.
        - `mask`: optional boolean ``(nx, ny, nz)`` array of magnetic cells; ``Ms`` is
          set to 0 outside it.

        Raises ``ValueError`` on per-cell arrays of the wrong shape or a geometry with no
        magnetic cell.
        """
        fields = self._broadcast(mesh)
        if self.region is not None:
            check_shape("region", self.region, (mesh.shape,))
        if mask is not None:
            mask = np.asarray(mask)
            if mask.dtype != bool:
                raise TypeError(f"mask must be boolean, got dtype {mask.dtype}")
            check_shape("mask", mask, (mesh.shape,))
            fields["Ms"] = jnp.where(jnp.asarray(mask), fields["Ms"], 0.0)
        if is_concrete(fields["Ms"]) and not np.any(np.asarray(fields["Ms"]) > 0):
            raise ValueError("the geometry leaves no magnetic cell (Ms = 0 everywhere)")
        return Material(**fields, region=self.region, exchange_scaling=self.exchange_scaling)

    @staticmethod
    def from_regions(mesh: Mesh, region, materials, exchange_scaling=None) -> "Material":
        """Build a per-cell material from an integer region map.

        **Arguments:**

        - `mesh`: the grid.
        - `region`: integer array ``(nx, ny, nz)``; cell ``c`` takes ``materials[region[c]]``.
        - `materials`: a sequence of :class:`Material` (scalars or per-cell arrays).
        - `exchange_scaling`: optional mapping ``{(i, j): s}`` (symmetric) or ``(R, R)``
          array: the exchange between regions ``i ≠ j`` is ``s`` times the harmonic mean
          of their ``A``. Unset pairs use the harmonic mean (``s = 1``).
        """
        region = np.asarray(region)
        if region.dtype.kind not in "iu":
            raise TypeError(f"region must be an integer array, got dtype {region.dtype}")
        check_shape("region", region, (mesh.shape,))
        nreg = len(materials)
        if region.min() < 0 or region.max() >= nreg:
            raise ValueError(
                f"region indices must lie in [0, {nreg}), got [{region.min()}, {region.max()}]"
            )
        per = [m._broadcast(mesh) for m in materials]
        idx = jnp.asarray(region)
        fields = {}
        for name in (*_SCALARS, *_AXES):
            stacked = jnp.stack([p[name] for p in per])
            sel = idx[None] if name in _SCALARS else jnp.broadcast_to(idx, (3, *mesh.shape))[None]
            fields[name] = jnp.take_along_axis(stacked, sel, axis=0)[0]
        if isinstance(exchange_scaling, dict):
            s = np.ones((nreg, nreg))
            for (i, j), v in exchange_scaling.items():
                s[i, j] = s[j, i] = v
            exchange_scaling = s
        if exchange_scaling is not None:
            check_shape("exchange_scaling", exchange_scaling, ((nreg, nreg),))
        return Material(**fields, region=region, exchange_scaling=exchange_scaling)


def per_cell(material: Material, mesh: Mesh) -> Material:
    """``material`` as per-cell arrays on ``mesh`` (unchanged if it already is)."""
    if material.Ms.shape == mesh.shape and material.anis_u.shape == (3, *mesh.shape):
        return material
    return material.on(mesh)
