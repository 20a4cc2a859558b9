r"""From a plain chain through growing skip connections: the mixture, the scenario, the predicted band
and simulated minima of each architecture of a family.

A ReLU network with skip connections has input-to-output paths of several lengths ``m``; under the
paper's assumptions (Choromanska et al. 2015, Sec. 3) its loss becomes a *mixed* spherical spin glass
with

.. math::

    \xi(x) = \frac{\sum_m C^m \Psi_m x^m}{\sum_m C^m \Psi_m},

``Ψ_m`` the number of paths of length ``m`` (derived here; computed by
:func:`polyloss.symbolic.hamiltonian.network_mixture`). ``C`` (``‖w‖² = ΛC``) is the paper's
unspecified constant [open]: the default 1/2 is a choice, and the scenario of an architecture can
depend on it (the dense ``(3, 3, 3, 1)`` network is a full mixture at ``C = 1/2`` but pure-like at
``C = 1`` and ``C = 2``). Two scenarios for the annealed complexity of mixed models (Auffinger and
Ben Arous 2013, Ann. Probab. 41, 4214–4247, arXiv:1110.5872, show that mixing can make local minima
exponentially many even below the ground state; the scenarios, their criterion and the "trivial"
case are derived here, their correspondence with the statements of that paper [unverified]): either the layered band of low critical values of the pure model survives
(``E_0 > E_1 > … > E'_∞ ≥ E_∞``, the last inequality, derived here, holding when
``ξ''(1) ≥ ξ'(1)``, "pure-like"), or the thresholds of all indices coincide ("full
mixture"); :func:`polyloss.numeric.complexity.energy_thresholds` gives the thresholds, the scenario and
the criterion that separates them.

This experiment takes a family of architectures of one depth ``H`` and fixed widths (by default the
plain chain, then the skips ``(0,2)``, ``(1,3)``, … added one by one, shortest first, up to the dense
network: :func:`growing_skips`) and, for each, tabulates its path counts, ``ξ``, ``ξ'(1)``,
``ξ''(1)``, ``α²``, scenario, criterion and thresholds, beside simulated minima: gradient descent on
the mixed spherical spin glass of dimension ``Λ`` from ``replicas`` random starts, for each of
``seeds`` coupling draws, each end point refined by Riemannian Newton to a critical point whose
energy per Λ, ``u = L/Λ``, and Hessian index are recorded.

**Common random numbers.** Seed number ``s`` (0 ≤ s < seeds) gives the root
``r = derive_seed(seed, "couplings", s)`` and the starts ``derive_seed(seed, "starts", s)`` for *every*
architecture. Degree ``p`` of every architecture, the plain chain's pure model included, is drawn from
the stream ``derive_seed(r, "couplings", "degree", p)`` that :class:`~polyloss.numeric.spinglass.SphericalSpinGlass`
uses for a mixture (:func:`spin_glass`), so architectures sharing a degree share its couplings up to
the factor ``a_p`` (``M_p / a_p`` is the same matrix), and all share the starts: the differences
between architectures are not blurred by independent draws.

**A sweep of tasks.** One task per (architecture, chunk of ``chunk`` seeds), key
``arch={a:02d}_chunk={c:03d}`` (:func:`skip_family_plan`), a pure function of the configuration and
its arguments (:func:`skip_family_task`) that any executor of :mod:`polyloss.execution` runs with the
same numbers; with ``out=`` each finished task is one verified piece of the run folder
(:mod:`polyloss.store`) and an interrupted run resumes at the missing pieces. A piece holds, per seed
and replica, the descent's end energy, the refined point, its energy, index, gradient norm and
whether Newton converged, so every number of the table can be recomputed from the saved points.

**The statistics** (:meth:`SkipFamilyResult.rows`). The points are those where Newton converged
(``‖grad‖ < 10⁻¹⁰``). The mean energy's confidence interval is
:func:`polyloss.numeric.statistics.mean_interval` over the per-seed means (one number per coupling
draw: the replicas of one draw are not independent); "in band" is the fraction of converged points
with ``−E_0 ≤ u ≤ −E_∞``; "index 0" the fraction of all replicas that reached a minimum (converged,
index 0). At moderate Λ the minima lie above the band (finite-size effects); the band is the Λ → ∞
prediction.

Scales (measured on a 2-core machine shared with other jobs, one torch thread): ``PRESETS["small"]``
(the default) and ``PRESETS["large"]`` (see their docstrings).
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np

from .._random import derive_seed
from .._validate import integer, real
from ..errors import DamagedResultError, InvalidInputError
from ..execution import Plan, Task
from ..store import RunStore, atomic_write_text, folder_lock, read_config

__all__ = ["SkipFamilyConfig", "SkipFamilyResult", "PRESETS", "growing_skips", "skip_family", "skip_family_plan",
           "skip_family_task", "architecture_mixture", "architecture_text", "parse_architectures",
           "check_architectures", "spin_glass"]

EXPERIMENT = "skip_family"
_ARRAYS = ("end_energies", "energies", "indices", "grad_norms", "converged", "points")
MAX_DEPTH = 8
"""Largest depth H of a family (the dense network of depth H has H(H−1)/2 skips)."""
MAX_ARCHITECTURES = 64
MAX_SEEDS = 10_000
MAX_REPLICAS = 10_000
MAX_STEPS = 10**7


# ------------------------------------------------------------------------------------ architectures
def growing_skips(H: int) -> tuple:
    """The default family of depth ``H``: the plain chain, then the skips ``(i, j)`` (layer ``i`` feeds
    layer ``j``, ``j ≥ i + 2``; layer 0 is the input, layer H the output) added one at a time, shortest
    first and, among equal lengths, from the input side, up to the dense network (every skip).

    >>> growing_skips(3)
    ((), ((0, 2),), ((0, 2), (1, 3)), ((0, 2), (1, 3), (0, 3)))
    """
    H = integer("H (the depth)", H, minimum=3, maximum=MAX_DEPTH)
    order = [(i, i + span) for span in range(2, H + 1) for i in range(0, H - span + 1)]
    return tuple(tuple(order[:k]) for k in range(len(order) + 1))


def architecture_text(skips) -> str:
    """``"none"`` or ``"0:2,1:3"`` (:func:`polyloss.symbolic.network.skips_text`; what
    :func:`parse_architectures` and ``polyloss derive --skips`` read)."""
    from ..symbolic.network import skips_text

    return skips_text(skips) or "none"


def parse_architectures(text: str, widths) -> tuple:
    """Read ``"none;0:2;0:2,1:3"`` (architectures separated by ``;``, each ``none`` or skips ``from:to``
    separated by ``,``, as :func:`polyloss.symbolic.network.parse_skips` reads them) for networks of ``widths``."""
    from ..symbolic.network import parse_skips

    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError(f"architectures must be text such as 'none;0:2;0:2,1:3', got {text!r}")
    parts = [part.strip() for part in text.split(";")]
    if "" in parts:
        raise InvalidInputError(f"architectures {text!r}: an empty architecture between ';' (write 'none' for the "
                                "plain chain)")
    return check_architectures([() if part == "none" else parse_skips(part) for part in parts], widths)


def check_architectures(architectures, widths) -> tuple:
    """The architectures as a tuple of skip tuples, each in the canonical (sorted) form of
    :class:`~polyloss.symbolic.network.ReLUNetwork`, which checks them against ``widths``; at least one,
    at most :data:`MAX_ARCHITECTURES`, none twice."""
    from ..symbolic.network import ReLUNetwork

    if isinstance(architectures, (str, bytes)) or not hasattr(architectures, "__iter__"):
        raise InvalidInputError(f"architectures must be a sequence of skip lists such as [(), [(0, 2)]], got "
                                f"{architectures!r}")
    out = tuple(ReLUNetwork(widths, skips=arch).skips for arch in architectures)
    if not out:
        raise InvalidInputError("architectures must list at least one architecture")
    if len(out) > MAX_ARCHITECTURES:
        raise InvalidInputError(f"at most {MAX_ARCHITECTURES} architectures, got {len(out)}")
    if len(set(out)) != len(out):
        raise InvalidInputError(f"an architecture is listed twice: {[architecture_text(a) for a in out]}")
    return out


@functools.lru_cache(maxsize=256)
def _network_mixture(widths: tuple, skips: tuple, C: float):
    from ..symbolic.hamiltonian import network_mixture
    from ..symbolic.network import ReLUNetwork

    net = ReLUNetwork(widths, skips=skips)
    return net, network_mixture(net, C=C)


def architecture_mixture(widths, skips, C=1.0):
    """The mixture ξ of the network ``ReLUNetwork(widths, skips=skips)`` with ``‖w‖² = ΛC``
    (:func:`polyloss.symbolic.hamiltonian.network_mixture`); ``skips`` as that class takes them (pairs
    or text ``"0:2,1:3"``), ``C > 0`` finite."""
    from ..symbolic.network import ReLUNetwork

    net = ReLUNetwork(widths, skips=skips)  # checks widths and skips; skips in canonical order
    return _network_mixture(net.widths, net.skips, real("C", C, minimum=0.0, open_minimum=True))[1]


# ------------------------------------------------------------------------------------ configuration
@dataclass(frozen=True)
class SkipFamilyConfig:
    """What a skip-family run computes (its run folder's identity, with the experiment's name).

    ``widths``: ``(n_0, …, n_H)`` with ``n_H = 1``, shared by every architecture; ``architectures``:
    a sequence of skip lists (``None``: :func:`growing_skips` of the depth); ``C``: the sphere's
    ``‖w‖² = ΛC`` of the network (weights ``C^m`` per path length). ``C`` is the paper's unspecified
    constant [open]: the default 1/2 is a choice, and the answer to "from how much skip does the picture
    change" depends on it (the dense ``(3, 3, 3, 1)`` network: criterion −0.00077, a full mixture, at
    ``C = 1/2``; +0.00221 and +0.00616, pure-like, at ``C = 1`` and ``C = 2``); ``Lambda``: dimension of the spin
    glass; ``seeds``: coupling draws per architecture; ``replicas``: random starts per draw;
    ``chunk``: seeds per task; ``steps``, ``lr``: gradient descent (:func:`polyloss.descend`,
    method ``"gd"``); ``seed``: the root of every seed; ``kmax``: thresholds ``E_0 … E_kmax``.
    """

    widths: tuple = (3, 3, 3, 1)
    architectures: tuple | None = None
    C: float = 0.5
    Lambda: int = 60
    seeds: int = 6
    replicas: int = 8
    chunk: int = 2
    steps: int = 1000
    lr: float = 0.1
    seed: int = 0
    kmax: int = 1

    def __post_init__(self):
        from ..symbolic.network import ReLUNetwork

        widths = ReLUNetwork(self.widths).widths  # validates (n_0, …, n_H), n_H = 1
        H = len(widths) - 1
        if not 3 <= H <= MAX_DEPTH:
            raise InvalidInputError(f"widths {widths}: the depth H must be in 3..{MAX_DEPTH} (the plain chain is the "
                                    f"pure H-spin glass, which has thresholds for H >= 3), got H = {H}")
        archs = check_architectures(growing_skips(H) if self.architectures is None else self.architectures, widths)
        object.__setattr__(self, "widths", widths)
        object.__setattr__(self, "architectures", archs)
        object.__setattr__(self, "C", real("C", self.C, minimum=0.0, open_minimum=True))
        object.__setattr__(self, "Lambda", integer("Lambda", self.Lambda, minimum=2))
        object.__setattr__(self, "seeds", integer("seeds", self.seeds, minimum=1, maximum=MAX_SEEDS))
        object.__setattr__(self, "replicas", integer("replicas", self.replicas, minimum=1, maximum=MAX_REPLICAS))
        object.__setattr__(self, "chunk", min(integer("chunk", self.chunk, minimum=1), self.seeds))
        object.__setattr__(self, "steps", integer("steps", self.steps, minimum=0, maximum=MAX_STEPS))
        object.__setattr__(self, "lr", real("lr", self.lr, minimum=0.0, open_minimum=True))
        object.__setattr__(self, "seed", integer("seed", self.seed, minimum=0))
        object.__setattr__(self, "kmax", integer("kmax", self.kmax, minimum=0, maximum=20))

    @property
    def H(self) -> int:
        return len(self.widths) - 1

    def as_dict(self) -> dict:
        """The run folder's configuration (JSON: lists for tuples) with ``"experiment": "skip_family"``."""
        d = asdict(self)
        d["widths"] = list(self.widths)
        d["architectures"] = [[list(s) for s in a] for a in self.architectures]
        return {"experiment": EXPERIMENT, **d}

    @classmethod
    def from_dict(cls, config: dict) -> "SkipFamilyConfig":
        values = {k: v for k, v in config.items() if k != "experiment"}
        values["widths"] = tuple(values["widths"])
        values["architectures"] = tuple(tuple(tuple(s) for s in a) for a in values["architectures"])
        return cls(**values)

    def scaled(self, **changes) -> "SkipFamilyConfig":
        """A copy with ``changes`` (validated again); an unknown field name is refused."""
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise InvalidInputError(f"unknown skip-family setting(s) {unknown}; the settings are "
                                    f"{[f.name for f in fields(self)]}")
        return replace(self, **changes)


PRESETS = {
    "small": SkipFamilyConfig(),
    "large": SkipFamilyConfig(Lambda=150, seeds=20, replicas=32, chunk=4, steps=3000),
}
"""``small`` (the default): H = 3, widths (3, 3, 3, 1), C = 1/2, the four architectures of
:func:`growing_skips` (3), Λ = 60, 6 seeds × 8 replicas, 1000 steps of gradient descent: about 5 s of
tasks in one process; 24 s wall (12 s of CPU) through ``polyloss skips`` with its 2 default worker
processes on a 2-core machine shared with other jobs. ``large``: Λ = 150, 20 seeds × 32 replicas, 3000
steps, chunks of 4 seeds: a real run, not run here; extrapolated from one seed of the dense network at
Λ = 120 with 2000 steps (6 s), about half an hour on one core, minutes on many."""


# ------------------------------------------------------------------------------------------- plan
def _key(a: int, c: int) -> str:
    return f"arch={a:02d}_chunk={c:03d}"


def _expect(n: int, replicas: int, Lambda: int) -> dict:
    shapes = {name: (n, replicas) for name in _ARRAYS}
    shapes["points"] = (n, replicas, Lambda)
    return shapes


def _n_chunks(config: dict) -> int:
    return -(-config["seeds"] // config["chunk"])


def skip_family_plan(config, out=None, *, threads: int | None = 1, device: str = "cpu", force: bool = False) -> Plan:
    """The :class:`~polyloss.execution.Plan` of a configuration (a :class:`SkipFamilyConfig` or its
    :meth:`~SkipFamilyConfig.as_dict`): one task per (architecture, chunk of seeds), args
    ``architecture, skips, chunk, first_seed, seeds`` (``skips`` as text, e.g. ``"0:2,1:3"``), cost in
    gradient evaluations of one replica times the number of degrees."""
    from .._device import as_device

    if isinstance(config, SkipFamilyConfig):
        config = config.as_dict()
    tasks = []
    for a, arch in enumerate(config["architectures"]):
        degrees = len(architecture_mixture(config["widths"], arch, config["C"]).degrees)
        for c in range(_n_chunks(config)):
            first = c * config["chunk"]
            n = min(config["chunk"], config["seeds"] - first)
            tasks.append(Task(_key(a, c), {"architecture": a, "skips": architecture_text(arch), "chunk": c,
                                           "first_seed": first, "seeds": n},
                              cost=float(n * config["replicas"] * (config["steps"] + 2) * degrees),
                              expect=_expect(n, config["replicas"], config["Lambda"])))
    return Plan(EXPERIMENT, skip_family_task, config, tasks, folder=out, threads=threads,
                options={"device": str(as_device(device))}, cost_unit="gradient evaluations", force=force)


def spin_glass(config: dict, architecture: int, s: int, device: str = "cpu"):
    """The mixed spherical spin glass of seed number ``s`` of an architecture, rebuilt from the seeds:
    root ``r = derive_seed(seed, "couplings", s)``, degree ``p`` from ``derive_seed(r, "couplings",
    "degree", p)`` for every architecture (common random numbers, module docstring).

    Every architecture is built with ``degree_streams=True``
    (:class:`~polyloss.numeric.spinglass.SphericalSpinGlass`), so the plain chain, a pure model, draws
    its degree from the same stream as the mixtures do."""
    from ..numeric.spinglass import SphericalSpinGlass

    mixture = architecture_mixture(config["widths"], config["architectures"][architecture], config["C"])
    root = derive_seed(config["seed"], "couplings", s)
    return SphericalSpinGlass(config["Lambda"], mixture, seed=root, device=device, degree_streams=True)


def skip_family_task(config: dict, task: Task) -> dict:
    """Descend and refine ``replicas`` starts on each seed ``first_seed … first_seed + seeds − 1`` of
    one architecture; the arrays of the piece, each of shape ``(seeds, replicas)`` (``points``:
    ``(seeds, replicas, Λ)``, the refined points).

    Pure: the model is rebuilt by :func:`spin_glass`, the starts from ``derive_seed(seed, "starts", s)``
    (common to all architectures), the descent is :func:`polyloss.descend` (``"gd"``, ``steps``,
    ``lr``, seeded by ``derive_seed(seed, "descend", s)``), the refinement
    :func:`polyloss.numeric.optimisers.refine`. ``indices`` is −1 where Newton did not converge.
    """
    from ..numeric.optimisers import descend, refine

    a, first, n = task.args["architecture"], task.args["first_seed"], task.args["seeds"]
    device = config.get("device", "cpu")
    out = {name: [] for name in _ARRAYS}
    for s in range(first, first + n):
        model = spin_glass(config, a, s, device)
        w0 = model.random_points(config["replicas"], seed=derive_seed(config["seed"], "starts", s))
        d = descend(model, w0, "gd", steps=config["steps"], lr=config["lr"],
                    seed=derive_seed(config["seed"], "descend", s), progress=False, record_every=None)
        r = refine(model, d.w)
        converged = r.converged.cpu().numpy()
        out["end_energies"].append(d.energy.double().cpu().numpy())
        out["energies"].append(r.energy.double().cpu().numpy())
        out["indices"].append(np.where(converged, r.index.cpu().numpy(), -1).astype(np.int64))
        out["grad_norms"].append(r.grad_norm.double().cpu().numpy())
        out["converged"].append(converged.astype(bool))
        out["points"].append(r.w.double().cpu().numpy())
    return {name: np.stack(values) for name, values in out.items()}


# ----------------------------------------------------------------------------------------- result
@dataclass
class SkipFamilyResult:
    """The architectures of a skip family, their theory and their simulated minima.

    Per architecture ``a`` (in the order of ``config["architectures"]``): ``mixtures[a]`` (a
    :class:`~polyloss.mixture.Mixture`), ``networks[a]`` (the :class:`~polyloss.symbolic.network.ReLUNetwork`),
    ``thresholds[a]`` (:func:`~polyloss.numeric.complexity.energy_thresholds` of the mixture), and arrays of
    shape ``(seeds, replicas)``: ``end_energies`` (u = L/Λ where descent ended), ``energies`` (of the
    refined points), ``indices`` (−1: not converged), ``grad_norms``, ``converged``; ``points``
    ``(seeds, replicas, Λ)``. ``seconds[a]``: time its tasks took (NaN in memory); ``folder``.
    """

    config: dict
    networks: tuple
    mixtures: tuple
    thresholds: tuple
    end_energies: tuple
    energies: tuple
    indices: tuple
    grad_norms: tuple
    converged: tuple
    points: tuple
    seconds: tuple = ()
    folder: Path | None = None

    @property
    def architectures(self) -> tuple:
        return tuple(tuple(tuple(s) for s in a) for a in self.config["architectures"])

    def band(self, a: int) -> tuple:
        """``(−E_0, −E_∞)`` of architecture ``a``: the predicted interval of the low critical values."""
        t = self.thresholds[a]
        if not t.E:  # the trivial scenario: no exponential number of critical points, no band
            return float("nan"), float("nan")
        return -float(t.E[0]), -float(t.E_inf)

    def rows(self) -> list[dict]:
        """One dict per architecture: ``architecture`` (text), ``paths`` (``{m: Ψ_m}``), ``xi`` (text),
        ``xi1``, ``xi2``, ``alpha2``, ``scenario``, ``criterion``, ``E_0``, ``E_1`` (when kmax ≥ 1),
        ``E_inf``, ``E_inf_prime``, ``points`` (converged refined points), ``mean`` and ``low``/``high``
        (95 % interval over the per-seed means), ``band_fraction``, ``minima_fraction``, ``converged_fraction``,
        ``seconds``."""
        from ..numeric.statistics import mean_interval

        rows = []
        for a, arch in enumerate(self.architectures):
            mix, th = self.mixtures[a], self.thresholds[a]
            u, ok, idx = self.energies[a], self.converged[a], self.indices[a]
            per_seed = np.array([u[s][ok[s]].mean() for s in range(u.shape[0]) if ok[s].any()])
            mean, low, high = (mean_interval(per_seed) if per_seed.size else (np.nan, np.nan, np.nan))
            lo, hi = self.band(a)
            inside = (u >= lo) & (u <= hi) & ok
            rows.append({
                "architecture": architecture_text(arch), "paths": dict(self.networks[a].path_counts),
                "xi": mix.text(), "xi1": mix.xi1, "xi2": mix.xi2, "alpha2": mix.alpha2,
                "scenario": str(th.scenario), "criterion": float(th.criterion),
                "E_0": -lo, "E_1": float(th.E[1]) if len(th.E) > 1 else float("nan"),
                "E_inf": float(th.E_inf), "E_inf_prime": float(th.E_inf_prime),
                "points": int(ok.sum()), "mean": float(mean), "low": float(low), "high": float(high),
                "band_fraction": float(inside.sum() / ok.sum()) if th.E and ok.any() else float("nan"),
                "minima_fraction": float(np.mean(idx == 0)), "converged_fraction": float(np.mean(ok)),
                "seconds": float(self.seconds[a]) if self.seconds else float("nan"),
            })
        return rows

    def _head(self) -> str:
        c = self.config
        return (f"skip family: widths {tuple(c['widths'])}, C = {c['C']:g}, Lambda = {c['Lambda']}, "
                f"{c['seeds']} seeds x {c['replicas']} replicas, gradient descent {c['steps']} steps "
                f"(lr {c['lr']:g}) then Newton; energies per Lambda u = L/Lambda")

    def __str__(self) -> str:
        rows = self.rows()
        a = max([len("architecture")] + [len(r["architecture"]) for r in rows])
        x = max([len("xi")] + [len(r["xi"]) for r in rows])
        lines = [self._head(),
                 f"{'architecture':<{a}} {'xi':<{x}} {'scenario':<12} {'criterion':>10} {'E_0':>8} {'E_inf':>8} "
                 f"{'mean u':>9} {'95% interval':>20} {'in band':>8} {'index 0':>8}"]
        for r in rows:
            lines.append(f"{r['architecture']:<{a}} {r['xi']:<{x}} {r['scenario']:<12} {r['criterion']:>10.5f} "
                         f"{r['E_0']:>8.5f} {r['E_inf']:>8.5f} {r['mean']:>9.5f} {_interval(r):>20} "
                         f"{r['band_fraction']:>8.3f} {r['minima_fraction']:>8.3f}")
        return "\n".join(lines)

    #: (key of :meth:`rows`, Markdown header, format) of the table
    _COLUMNS = (("architecture", "skips", "s"), ("paths", r"$\Psi_m$", "paths"), ("xi", r"$\xi$", "xi"),
                ("xi1", r"$\xi'(1)$", ".4f"), ("xi2", r"$\xi''(1)$", ".4f"), ("alpha2", r"$\alpha^2$", ".4f"),
                ("scenario", "scenario", "s"), ("criterion", "criterion", ".5f"), ("E_0", "$E_0$", ".5f"),
                ("E_1", "$E_1$", ".5f"), ("E_inf", r"$E_\infty$", ".5f"), ("E_inf_prime", r"$E'_\infty$", ".5f"),
                ("points", "points", "d"), ("mean", "mean $u$", ".5f"), ("interval", "95 % interval", "interval"),
                ("band_fraction", r"in $[-E_0, -E_\infty]$", ".3f"), ("minima_fraction", "index 0", ".3f"))

    def table(self) -> str:
        """The Markdown table (one row per architecture)."""
        from ..display import markdown_table

        def cell(a, row, key, fmt):
            if fmt == "paths":
                return _paths_text(row["paths"])
            if fmt == "xi":
                return f"${self.mixtures[a].latex()}$"
            if fmt == "interval":
                return _interval(row, 5)
            return format(row[key], fmt)

        rows = [[cell(a, row, key, fmt) for key, _, fmt in self._COLUMNS] for a, row in enumerate(self.rows())]
        return markdown_table([h for _, h, _ in self._COLUMNS], rows)

    def _repr_markdown_(self) -> str:
        c = self.config
        head = (f"Skip family: widths ${tuple(c['widths'])}$, $C = {c['C']:g}$, $\\Lambda = {c['Lambda']}$, "
                f"{c['seeds']} seeds × {c['replicas']} replicas, gradient descent ({c['steps']} steps, "
                f"lr {c['lr']:g}) then Newton; energies per $\\Lambda$, $u = L/\\Lambda$. Thresholds, criterion and "
                f"scenario: the annealed Kac–Rice complexity of the mixture, derived here (its correspondence with "
                f"the statements of Auffinger and Ben Arous (2013) is [unverified]). The interval is over the "
                f"per-seed means.")
        return head + "\n\n" + self.table() + "\n"

    def to_dataframe(self):
        """:meth:`rows` as a pandas DataFrame indexed by ``architecture`` (``paths`` as text ``"3: 27, 2: 9"``).
        Needs pandas (``pip install pandas``)."""
        from ..display import dataframe

        rows = [{**r, "paths": _paths_text(r["paths"])} for r in self.rows()]
        return dataframe([list(r.values()) for r in rows], list(rows[0]), index="architecture")

    @classmethod
    def load(cls, run_folder) -> "SkipFamilyResult":
        """Read a finished run folder (every piece present and verified)."""
        folder = Path(run_folder)
        config = read_config(folder, what="skip_family run")
        if config.get("experiment") != EXPERIMENT:
            raise InvalidInputError(f"{folder} holds a {config.get('experiment')!r} run, not {EXPERIMENT!r}")
        try:
            config = SkipFamilyConfig.from_dict(config).as_dict()
        except (KeyError, TypeError, ValueError) as exc:
            raise DamagedResultError(f"{folder / 'config.json'}: not a skip_family configuration "
                                     f"({type(exc).__name__}: {exc})") from None
        store = RunStore(folder, config, create=False)
        plan = skip_family_plan(config)
        missing = [t.key for t in plan.tasks if not store.has(t.key)]
        if missing:
            raise InvalidInputError(f"{folder}: {len(missing)} of {len(plan.tasks)} pieces are missing "
                                    f"({missing[0]}, ...); run the experiment again to finish it")
        pieces = {t.key: store.load(t.key, t.expect) for t in plan.tasks}
        seconds = [sum(store.seconds(_key(a, c)) for c in range(_n_chunks(config)))
                   for a in range(len(config["architectures"]))]
        return _assemble(config, pieces, seconds, folder)


def _interval(row: dict, digits: int = 4) -> str:
    return f"[{row['low']:.{digits}f}, {row['high']:.{digits}f}]"


def _paths_text(paths: dict) -> str:
    return ", ".join(f"{m}: {n}" for m, n in sorted(paths.items(), reverse=True))


def _assemble(config: dict, pieces: dict, seconds, folder) -> SkipFamilyResult:
    from ..numeric.complexity import energy_thresholds

    parts = {name: [] for name in _ARRAYS}
    networks, mixtures, thresholds = [], [], []
    for a, arch in enumerate(config["architectures"]):
        net, mix = _network_mixture(tuple(config["widths"]), tuple(tuple(s) for s in arch), float(config["C"]))
        networks.append(net)
        mixtures.append(mix)
        thresholds.append(energy_thresholds(mix, config["kmax"]))
        chunks = [pieces[_key(a, c)] for c in range(_n_chunks(config))]
        for name in parts:
            parts[name].append(np.concatenate([p[name] for p in chunks]))
    return SkipFamilyResult(config=config, networks=tuple(networks), mixtures=tuple(mixtures),
                            thresholds=tuple(thresholds), seconds=tuple(seconds), folder=folder,
                            **{name: tuple(v) for name, v in parts.items()})


# ---------------------------------------------------------------------------------------- driver
def skip_family(config: SkipFamilyConfig | None = None, *, out=None, executor=None, progress: bool = False,
                threads: int = 1, device: str = "cpu", force: bool = False, **changes) -> SkipFamilyResult:
    """Run the skip-family experiment (module docstring) and return its :class:`SkipFamilyResult`.

    ``config``: a :class:`SkipFamilyConfig` (default ``PRESETS["small"]``); keyword ``changes`` replace
    its fields (``skip_family(Lambda=20, seeds=2)``). ``out``: run folder (resumable; its
    ``summary.md`` is the table); None keeps the results in memory. ``executor``, ``threads``,
    ``device``, ``force``: as for :func:`polyloss.spinglass_minima`. An architecture whose packed couplings
    alone (:func:`polyloss.numeric.spinglass.coupling_bytes` of its mixture at ``Lambda``) exceed the
    device's available memory is refused with :class:`~polyloss.errors.SizeLimitError` before any folder
    or task exists.
    """
    from .._device import as_device
    from .spinglass_minima import _refuse_what_cannot_fit

    config = (PRESETS["small"] if config is None else config)
    if not isinstance(config, SkipFamilyConfig):
        raise InvalidInputError(f"config must be a SkipFamilyConfig, got {config!r}")
    if changes:
        config = config.scaled(**changes)
    device = str(as_device(device))
    for arch in config.architectures:  # the networks, mixtures and their couplings' size: before any folder or task
        _refuse_what_cannot_fit((config.Lambda,), architecture_mixture(config.widths, arch, config.C), "float64",
                                device)
    cfg = config.as_dict()
    if out is None:
        plan = skip_family_plan(cfg, None, threads=threads, device=device)
        pieces = plan.run(executor, progress=progress)
        return _assemble(cfg, pieces, [float("nan")] * len(config.architectures), None)
    with folder_lock(out):
        skip_family_plan(cfg, out, threads=threads, device=device, force=force).run(executor, progress=progress)
        result = SkipFamilyResult.load(out)
        atomic_write_text(Path(out) / "summary.md", result._repr_markdown_())
    return result
