"""Real FDS as a second cone engine (PHYSICS.md §5): write, run, read back.

`write_fds_input` gives the reduced-order SOLID_PHASE_ONLY input of a scenario,
`run_fds` runs it in an FDS found on the machine, `read_fds_devc` turns the device
file into the same ConeResult the builtin solver returns, and `scenario_from_fds`
reads such an input back. `parse_namelists` is the namelist reader under all this.
"""

from engine.cone.fds.devc import FdsOutputError, read_devc_csv, read_fds_devc
from engine.cone.fds.importer import FdsInputError, scenario_from_fds
from engine.cone.fds.namelist import Namelist, NamelistError, parse_namelists
from engine.cone.fds.runner import FdsNotFoundError, FdsRunError, find_fds, run_fds
from engine.cone.fds.writer import FuelSurrogate, write_fds_input

__all__ = [
    "FdsInputError",
    "FdsNotFoundError",
    "FdsOutputError",
    "FdsRunError",
    "FuelSurrogate",
    "Namelist",
    "NamelistError",
    "find_fds",
    "parse_namelists",
    "read_devc_csv",
    "read_fds_devc",
    "run_fds",
    "scenario_from_fds",
    "write_fds_input",
]
