"""Energy terms: each an ``equinox.Module`` with ``energy(m, t)`` (J) and ``field(m, t)`` (A/m)."""

from .anisotropy import CubicAnisotropy, UniaxialAnisotropy
from .base import AbstractEnergy, field_from_energy, safe_inverse
from .demag import Demag
from .dmi import AbstractDMI, BulkDMI, D2dDMI, InterfacialDMI
from .exchange import Exchange, face_stiffness
from .zeeman import Zeeman

__all__ = [
    "AbstractDMI",
    "AbstractEnergy",
    "BulkDMI",
    "CubicAnisotropy",
    "D2dDMI",
    "Demag",
    "Exchange",
    "InterfacialDMI",
    "UniaxialAnisotropy",
    "Zeeman",
    "face_stiffness",
    "field_from_energy",
    "safe_inverse",
]
