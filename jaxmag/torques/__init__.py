"""Spin torques, added to the LLG right-hand side (see :class:`AbstractTorque`):
:class:`ZhangLi` (current in the plane) and :class:`Slonczewski` (current perpendicular
to the plane)."""

from .base import AbstractTorque
from .slonczewski import Slonczewski
from .zhang_li import ZhangLi

__all__ = ["AbstractTorque", "Slonczewski", "ZhangLi"]
