"""Physical constants, once (exact SI values of the 2019 SI redefinition, CODATA 2018)."""

GAS_CONSTANT = 8.314462618
"""Molar gas constant R, J/mol/K."""
STEFAN_BOLTZMANN = 5.670374419e-8
"""σ, W/m²/K⁴."""
AVOGADRO = 6.02214076e23
"""N_A, 1/mol."""
KELVIN = 273.15
"""0 °C in K."""
