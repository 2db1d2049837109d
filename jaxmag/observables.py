"""One registry of outputs: each observable's name, SI unit and meaning.

Table headers (mumax3 style, ``name (unit)``) and OVF labels are written from here, so a
quantity has one name and one unit everywhere.
"""

from typing import NamedTuple


class Observable(NamedTuple):
    name: str
    unit: str
    description: str


_ENTRIES = [
    Observable("t", "s", "simulated time"),
    Observable("mx", "", "x component of the average reduced magnetisation ⟨m⟩"),
    Observable("my", "", "y component of ⟨m⟩"),
    Observable("mz", "", "z component of ⟨m⟩"),
    Observable("B_extx", "T", "x component of the applied field μ0 H"),
    Observable("B_exty", "T", "y component of the applied field μ0 H"),
    Observable("B_extz", "T", "z component of the applied field μ0 H"),
    Observable("E_total", "J", "total energy"),
    Observable("E_exchange", "J", "exchange energy"),
    Observable("E_demag", "J", "demagnetising (magnetostatic) energy"),
    Observable("E_zeeman", "J", "Zeeman energy"),
    Observable("E_anisotropy", "J", "uniaxial anisotropy energy"),
    Observable("E_cubic_anisotropy", "J", "cubic anisotropy energy"),
    Observable("E_magnetoelastic", "J", "magnetoelastic energy of a prescribed strain"),
    Observable("m", "", "reduced magnetisation m = M / Ms (a vector field)"),
]
REGISTRY = {o.name: o for o in _ENTRIES}


def unit(name: str) -> str:
    """The SI unit of a registered observable (``""`` for dimensionless)."""
    try:
        return REGISTRY[name].unit
    except KeyError:
        raise ValueError(
            f"unknown observable {name!r}; registered: {', '.join(REGISTRY)}"
        ) from None


def energy_name(term_name: str) -> str:
    """The observable of an energy term's ``name`` (``exchange`` → ``E_exchange``)."""
    return f"E_{term_name}"
