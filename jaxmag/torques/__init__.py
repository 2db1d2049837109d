"""Spin torques, added to the LLG right-hand side (see :class:`AbstractTorque`)."""

from .base import AbstractTorque

__all__ = ["AbstractTorque"]
