"""Several sublattices per cell, each with its own LLG: antiferromagnets and
ferrimagnets. The state is ``(3, N, nx, ny, nz)``."""

from ._dynamics import (
    SublatticeTrajectory as SublatticeTrajectory,
)
from ._dynamics import (
    max_torque as max_torque,
)
from ._dynamics import (
    relax_sublattices as relax_sublattices,
)
from ._dynamics import (
    simulate_sublattices as simulate_sublattices,
)
from ._dynamics import (
    sublattice_rhs as sublattice_rhs,
)
from ._output import (
    neel_vector as neel_vector,
)
from ._output import (
    net_magnetisation as net_magnetisation,
)
from ._output import (
    write_ovf as write_ovf,
)
from ._output import (
    write_table as write_table,
)
from ._system import (
    SublatticeSystem as SublatticeSystem,
)
from ._system import (
    make_sublattice_system as make_sublattice_system,
)
from ._terms import (
    AbstractSublatticeEnergy as AbstractSublatticeEnergy,
)
from ._terms import (
    HomogeneousExchange as HomogeneousExchange,
)
from ._terms import (
    InhomogeneousExchange as InhomogeneousExchange,
)
from ._terms import (
    OnSublattice as OnSublattice,
)
from ._terms import (
    TotalDemag as TotalDemag,
)
from ._thermal import (
    simulate_sublattices_thermal as simulate_sublattices_thermal,
)

__all__ = [
    "AbstractSublatticeEnergy",
    "HomogeneousExchange",
    "InhomogeneousExchange",
    "OnSublattice",
    "SublatticeSystem",
    "SublatticeTrajectory",
    "TotalDemag",
    "make_sublattice_system",
    "max_torque",
    "neel_vector",
    "net_magnetisation",
    "relax_sublattices",
    "simulate_sublattices",
    "simulate_sublattices_thermal",
    "sublattice_rhs",
    "write_ovf",
    "write_table",
]
