"""Spin torques, added to the LLG right-hand side (see :class:`AbstractTorque`):
:class:`ZhangLi` (current in the plane) and :class:`Slonczewski` (current perpendicular
to the plane)."""

from ._base import (
    AbstractTorque as AbstractTorque,
)
from ._slonczewski import (
    Slonczewski as Slonczewski,
)
from ._zhang_li import (
    ZhangLi as ZhangLi,
)

__all__ = [
    "AbstractTorque",
    "Slonczewski",
    "ZhangLi",
]
