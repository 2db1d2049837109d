"""Energy terms: each an ``equinox.Module`` with ``energy(m, t)`` (J) and ``field(m, t)`` (A/m)."""

from ._anisotropy import (
    CubicAnisotropy as CubicAnisotropy,
)
from ._anisotropy import (
    UniaxialAnisotropy as UniaxialAnisotropy,
)
from ._base import (
    AbstractEnergy as AbstractEnergy,
)
from ._base import (
    field_from_energy as field_from_energy,
)
from ._demag import (
    Demag as Demag,
)
from ._dmi import (
    DMI_KINDS as DMI_KINDS,
)
from ._dmi import (
    AbstractDMI as AbstractDMI,
)
from ._dmi import (
    BulkDMI as BulkDMI,
)
from ._dmi import (
    D2dDMI as D2dDMI,
)
from ._dmi import (
    InterfacialDMI as InterfacialDMI,
)
from ._dmi import (
    make_dmi as make_dmi,
)
from ._exchange import (
    Exchange as Exchange,
)
from ._exchange import (
    face_stiffness as face_stiffness,
)
from ._magnetoelastic import (
    MagnetoElastic as MagnetoElastic,
)
from ._magnetoelastic import (
    magnetoelastic_constants as magnetoelastic_constants,
)
from ._prism import (
    prism_demag_factors as prism_demag_factors,
)
from ._strain import (
    strain_from_displacement as strain_from_displacement,
)
from ._zeeman import (
    Zeeman as Zeeman,
)

__all__ = [
    "AbstractDMI",
    "AbstractEnergy",
    "BulkDMI",
    "CubicAnisotropy",
    "D2dDMI",
    "DMI_KINDS",
    "Demag",
    "Exchange",
    "InterfacialDMI",
    "MagnetoElastic",
    "UniaxialAnisotropy",
    "Zeeman",
    "face_stiffness",
    "field_from_energy",
    "magnetoelastic_constants",
    "make_dmi",
    "prism_demag_factors",
    "strain_from_displacement",
]
