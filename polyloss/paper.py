"""What the paper reports, in one place, with where it says it.

Choromanska, Henaff, Mathieu, Ben Arous, LeCun, *The Loss Surfaces of Multilayer Networks*,
AISTATS 2015 (arXiv:1412.0233). Every comparison polyloss makes against the paper reads its numbers
from here. Where the exact place or wording could not be confirmed from the paper itself, the
source says "[unverified]".
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Reported", "CITATION", "SPIN_GLASS", "NETWORKS", "TABLE_1", "HESSIAN_INDEX", "ANNEALING",
           "table_1_correlation"]

CITATION = "Choromanska et al. 2015"
EXPERIMENTS = f"{CITATION}, experiments section [section number unverified]"


@dataclass(frozen=True)
class Reported:
    """A value or set-up the paper reports, and where."""

    value: object
    source: str
    note: str = ""


SPIN_GLASS = {
    "H": Reported(3, f"{CITATION}, experiments section, spherical spin glass [section and figure numbers unverified]"),
    "Lambdas": Reported((25, 50, 100, 250, 500), f"{CITATION}, experiments section [unverified: figure number]"),
    "runs": Reported(1000, f"{CITATION}, experiments section", "random starts per Λ, SGD to a minimum"),
}
"""The spin-glass experiment: the minima's energies concentrate near the threshold as Λ grows."""

NETWORKS = {
    "data": Reported("MNIST downsampled to 10×10 (60,000 training images)", EXPERIMENTS),
    "widths": Reported((25, 50, 100, 250, 500), EXPERIMENTS),
    "networks": Reported(1000, EXPERIMENTS, "networks per width"),
    "epochs": Reported(200, EXPERIMENTS, "SGD with a decaying learning rate"),
    "initial_weights": Reported("uniform in [-1, 1]", EXPERIMENTS),
}
"""The trained-network experiment (one hidden ReLU layer). Loss, learning rate, schedule, batch size
and the scaling of the test loss are not stated in the paper; polyloss's choices are its own."""

TABLE_1 = Reported({25: 0.7616, 50: 0.6861, 100: 0.5983, 250: 0.5302, 500: 0.4081},
                   f"{CITATION}, Table 1",
                   "Pearson correlation of train and test loss over the 1000 networks of each width")

HESSIAN_INDEX = Reported(
    0.01, f"{EXPERIMENTS} [unverified: wording and the cut-off used]",
    "normalised index (fraction of negative Hessian eigenvalues) of SGD solutions, 'about 0.01 or less', "
    "exact Hessians at n_1 in {10, 25, 50, 100}; the paper does not say below what an eigenvalue counts as "
    "negative")

HESSIAN_INDEX_WIDTHS = (10, 25, 50, 100)

ANNEALING = Reported(
    0.025, f"{EXPERIMENTS} [unverified: wording]",
    "simulated annealing with every weight restricted to 3 values evenly spaced in [-1, 1] loses less than "
    "2.5% accuracy; SGD does at least as well")


def table_1_correlation(width: int) -> float | None:
    """The paper's Pearson correlation of train and test loss at hidden width ``width`` (None if not reported)."""
    return TABLE_1.value.get(width)
