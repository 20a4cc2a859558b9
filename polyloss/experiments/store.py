"""Run folders: results saved atomically beside their config, seed and library version; resumable.

A run folder holds ``config.json`` (the configuration that made it, the polyloss version, the
creation time) and one ``<key>.npz`` + ``<key>.json`` pair per finished unit of work (for example one
Λ of the spin-glass experiment). Every file is written to a temporary name and renamed, so an
interrupted run leaves only whole files; a rerun with the same config skips the finished keys.
Opening a folder with a *different* config raises :class:`~polyloss.errors.ResumeError` and
touches nothing.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from ..errors import InvalidInputError, ResumeError

_KEY = re.compile(r"^[A-Za-z0-9_.=-]+$")


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def atomic_write_text(path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path, obj) -> Path:
    return atomic_write_text(path, json.dumps(_jsonable(obj), indent=2, sort_keys=True) + "\n")


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    return obj


def read_config(directory, *, what: str = "run") -> dict:
    """The configuration stored in a run folder's ``config.json`` (without opening it for writing).

    A folder without one raises :class:`~polyloss.errors.InvalidInputError` naming ``what`` it should be.
    """
    cfg_path = Path(directory) / "config.json"
    if not cfg_path.exists():
        raise InvalidInputError(f"{directory} is not a {what} folder (no config.json)")
    return json.loads(cfg_path.read_text())["config"]


class RunStore:
    """A run folder for one configuration.

    >>> store = RunStore(tmp_path / "run", {"H": 3, "seed": 1})   # doctest: +SKIP
    >>> if not store.has("Lambda=25"):
    ...     store.save("Lambda=25", {"energies": energies}, meta={"seconds": 1.2})
    >>> store.load("Lambda=25")["energies"]
    """

    def __init__(self, directory, config: dict):
        from .. import __version__

        self.directory = Path(directory)
        self.config = _jsonable(dict(config))
        cfg_path = self.directory / "config.json"
        if self.directory.exists() and not self.directory.is_dir():
            raise InvalidInputError(f"run folder {self.directory} exists and is not a folder")
        if cfg_path.exists():
            stored = json.loads(cfg_path.read_text())
            if stored.get("config") != self.config:
                diff = _describe_diff(stored.get("config", {}), self.config)
                raise ResumeError(
                    f"run folder {self.directory} holds results of a different configuration "
                    f"({diff}); nothing was overwritten. Use another --out folder or the same config."
                )
        else:
            self.directory.mkdir(parents=True, exist_ok=True)
            atomic_write_json(cfg_path, {
                "config": self.config,
                "polyloss_version": __version__,
                "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            })

    def _paths(self, key: str):
        if not _KEY.match(key):
            raise InvalidInputError(f"result key must match {_KEY.pattern}, got {key!r}")
        return self.directory / f"{key}.npz", self.directory / f"{key}.json"

    def has(self, key: str) -> bool:
        npz, meta = self._paths(key)
        return npz.exists() and meta.exists()

    def save(self, key: str, arrays: dict, meta: dict | None = None) -> None:
        """Save arrays (npz) and metadata (JSON) for ``key``; the JSON is written last, marking it done."""
        from io import BytesIO

        from .. import __version__

        npz, meta_path = self._paths(key)
        buf = BytesIO()
        np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
        atomic_write_bytes(npz, buf.getvalue())
        atomic_write_json(meta_path, {"key": key, "config": self.config, "polyloss_version": __version__,
                                      "meta": meta or {}})

    def load(self, key: str) -> dict:
        npz, _ = self._paths(key)
        with np.load(npz, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}

    def meta(self, key: str) -> dict:
        _, meta_path = self._paths(key)
        return json.loads(meta_path.read_text())["meta"]

    def keys(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.npz") if (p.with_suffix(".json")).exists())


def _describe_diff(old: dict, new: dict) -> str:
    keys = sorted(set(old) | set(new))
    parts = [f"{k}: stored {old.get(k)!r}, asked {new.get(k)!r}" for k in keys if old.get(k) != new.get(k)]
    return "; ".join(parts[:4]) + ("; ..." if len(parts) > 4 else "")
