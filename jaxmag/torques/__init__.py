"""Spin torques, added to the LLG right-hand side (see :class:`AbstractTorque`):
:class:`ZhangLi` (current in the plane), :class:`Slonczewski` (current perpendicular
to the plane) and :class:`SpinOrbitTorque` (a current in a heavy-metal underlayer)."""

from ._base import (
    AbstractTorque as AbstractTorque,
)
from ._slonczewski import (
    Slonczewski as Slonczewski,
)
from ._spin_orbit import (
    SpinOrbitTorque as SpinOrbitTorque,
)
from ._spin_orbit import (
    polarisation_from_current as polarisation_from_current,
)
from ._zhang_li import (
    ZhangLi as ZhangLi,
)

__all__ = [
    "AbstractTorque",
    "Slonczewski",
    "SpinOrbitTorque",
    "ZhangLi",
    "polarisation_from_current",
]
