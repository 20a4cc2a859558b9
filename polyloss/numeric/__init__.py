"""Numbers at scale: evaluation of the formulas, GOE sampling, spin-glass simulation, training."""
