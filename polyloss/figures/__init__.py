"""Figures: one function per figure, reading results (never computing them). Imports matplotlib lazily."""


def pyplot():
    """matplotlib.pyplot with the non-interactive Agg backend (figures are written to files)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
