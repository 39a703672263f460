"""Thermal analysis: TGA and MCC curves, their Arrhenius kinetics, and cone materials
built from them (PHYSICS.md §2, "Measured kinetics")."""
