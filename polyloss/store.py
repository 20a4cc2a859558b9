"""Run folders: results saved atomically beside their configuration, each piece verified when read.

A run folder holds ``config.json`` (the configuration that made it, its hash, the polyloss version,
the creation time) and one *piece* per finished unit of work (one task of a sweep): ``<key>.npz``
with the arrays and ``<key>.json`` saying what the piece is:

* ``key`` and ``config_hash`` (the SHA-256 of the configuration's canonical JSON, first 16 hex
  digits): a piece copied from another folder or another key is recognised;
* ``arrays``: the name, shape and dtype of every array;
* ``sha256``: the checksum of the ``.npz`` bytes;
* ``meta``: the task's own description (its arguments), and the polyloss version.

Every file is written to a temporary name and renamed, the ``.json`` last, so an interrupted run
leaves only whole pieces; it ends with the permissions an ordinary write would give it (the umask's,
or those of the file it replaces), so results can be shared. The bytes are a function of the arrays alone (the ``.npz`` is written with
fixed zip timestamps), so a task run twice, or by two workers at once, writes the same bytes. How
long a task took is not part of its result: it goes to ``timing/<key>.json`` beside it.

Reading a piece (:meth:`RunStore.load`) checks all of the above; a piece that fails is reported by
file name (:class:`~polyloss.errors.DamagedResultError`) and never used. Opening a folder with a
*different* configuration raises :class:`~polyloss.errors.ResumeError` and touches nothing.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import os
import re
import stat
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .errors import DamagedResultError, InvalidInputError, ResumeError

__all__ = ["RunStore", "config_hash", "read_config", "atomic_write_bytes", "atomic_write_text",
           "atomic_write_json", "new_file_mode"]

_KEY = re.compile(r"^[A-Za-z0-9_.=-]+$")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same arrays give the same bytes


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    The file gets the mode an ordinary ``open(path, "w")`` would give it: the mode of the file it
    replaces, or ``0o666 & ~umask`` for a new file (:func:`new_file_mode`); folders are made with
    the umask too. (The temporary file itself is private, ``0o600``, until it is complete.)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = new_file_mode(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def new_file_mode(path) -> int:
    """The permission bits a file written at ``path`` should have: those of the file already there
    (a rewrite keeps them), else ``0o666 & ~umask``, as ``open(path, "w")`` would create it."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux's
    ``/proc/self/status``); elsewhere set and at once restored, as the only portable way to read it."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_text(path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path, obj) -> Path:
    return atomic_write_text(path, _dumps(obj) + "\n")


def _dumps(obj) -> str:
    return json.dumps(_jsonable(obj), indent=2, sort_keys=True)


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


def config_hash(config: dict) -> str:
    """First 16 hex digits of the SHA-256 of the configuration's canonical JSON (sorted keys)."""
    text = json.dumps(_jsonable(dict(config)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def npz_bytes(arrays: dict) -> bytes:
    """The ``.npz`` of ``arrays`` (uncompressed, names sorted, fixed timestamps): same arrays, same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_TIME)
            info.create_system = 3  # Unix, whatever the platform that writes it
            info.external_attr = 0o644 << 16
            with zf.open(info, "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.asarray(arrays[name], order="C"), allow_pickle=False)
    return buf.getvalue()


def read_config(directory, *, what: str = "run") -> dict:
    """The configuration stored in a run folder's ``config.json`` (without opening it for writing).

    A folder without one raises :class:`~polyloss.errors.InvalidInputError` naming ``what`` it should be;
    an unreadable one raises :class:`~polyloss.errors.DamagedResultError` naming the file.
    """
    cfg_path = Path(directory) / "config.json"
    if not cfg_path.exists():
        raise InvalidInputError(f"{directory} is not a {what} folder (no config.json)")
    return _read_json(cfg_path, "config")["config"]


def _read_json(path: Path, what: str, required=("config",)) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DamagedResultError(f"{path}: unreadable {what} file ({type(exc).__name__}: {exc})") from None
    if not isinstance(data, dict) or any(k not in data for k in required):
        raise DamagedResultError(f"{path}: not a polyloss {what} file (missing {', '.join(required)})")
    return data


class RunStore:
    """A run folder for one configuration.

    >>> store = RunStore(tmp_path / "run", {"H": 3, "seed": 1})   # doctest: +SKIP
    >>> if not store.has("Lambda=25"):
    ...     store.save("Lambda=25", {"energies": energies}, meta={"runs": 100})
    >>> store.load("Lambda=25")["energies"]
    """

    def __init__(self, directory, config: dict):
        from . import __version__

        self.directory = Path(directory)
        self.config = _jsonable(dict(config))
        self.config_hash = config_hash(self.config)
        cfg_path = self.directory / "config.json"
        if self.directory.exists() and not self.directory.is_dir():
            raise InvalidInputError(f"run folder {self.directory} exists and is not a folder")
        if cfg_path.exists():
            stored = _read_json(cfg_path, "config")
            if "config_hash" not in stored:
                raise ResumeError(f"run folder {self.directory} was written by polyloss {stored.get('polyloss_version', '0.1')} "
                                  "(pieces without checksums), which this version does not read; nothing was "
                                  "touched. Run again into a new folder.")
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
                "config_hash": self.config_hash,
                "polyloss_version": __version__,
                "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            })

    @classmethod
    def open(cls, directory) -> "RunStore":
        """The existing run folder ``directory``, with the configuration it holds."""
        return cls(directory, read_config(directory))

    def _paths(self, key: str):
        if not isinstance(key, str) or not _KEY.match(key):
            raise InvalidInputError(f"result key must match {_KEY.pattern}, got {key!r}")
        return self.directory / f"{key}.npz", self.directory / f"{key}.json"

    def has(self, key: str) -> bool:
        """Whether a piece named ``key`` was written (it is verified when read)."""
        npz, meta = self._paths(key)
        return npz.exists() and meta.exists()

    def save(self, key: str, arrays: dict, meta: dict | None = None) -> None:
        """Save ``arrays`` and their description for ``key``; the ``.json`` is written last, marking it done."""
        from . import __version__

        npz, meta_path = self._paths(key)
        arrays = {str(k): np.asarray(v) for k, v in arrays.items()}
        for name, a in arrays.items():
            if a.dtype.hasobject:
                raise InvalidInputError(f"array {name!r} of piece {key!r} holds Python objects; store numbers")
        data = npz_bytes(arrays)
        atomic_write_bytes(npz, data)
        atomic_write_json(meta_path, {
            "key": key, "config_hash": self.config_hash, "polyloss_version": __version__,
            "arrays": {name: {"shape": list(a.shape), "dtype": a.dtype.str} for name, a in sorted(arrays.items())},
            "sha256": hashlib.sha256(data).hexdigest(), "meta": meta or {},
        })

    def _description(self, key: str) -> dict:
        npz, meta_path = self._paths(key)
        if not meta_path.exists():
            raise InvalidInputError(f"{self.directory} has no result {key!r}")
        desc = _read_json(meta_path, "result description", ("key", "config_hash", "arrays", "sha256", "meta"))
        if desc["key"] != key:
            raise DamagedResultError(f"{meta_path}: describes piece {desc['key']!r}, not {key!r} "
                                     "(a file copied over another)")
        if desc["config_hash"] != self.config_hash:
            raise DamagedResultError(f"{meta_path}: written for configuration {desc['config_hash']}, this folder "
                                     f"holds {self.config_hash} (a file from another run folder)")
        return desc

    def load(self, key: str) -> dict:
        """The arrays of piece ``key``, after checking key, configuration, checksum, names, shapes and dtypes."""
        npz, _ = self._paths(key)
        desc = self._description(key)
        try:
            data = npz.read_bytes()
        except OSError as exc:
            raise DamagedResultError(f"{npz}: unreadable ({exc})") from None
        if hashlib.sha256(data).hexdigest() != desc["sha256"]:
            raise DamagedResultError(f"{npz}: checksum does not match {npz.with_suffix('.json').name} "
                                     "(truncated, altered or copied from another piece)")
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        expected = desc["arrays"]
        if sorted(arrays) != sorted(expected) or any(
                list(arrays[k].shape) != expected[k]["shape"] or arrays[k].dtype.str != expected[k]["dtype"]
                for k in arrays):
            raise DamagedResultError(f"{npz}: arrays do not match their description")
        return arrays

    def problem(self, key: str) -> str | None:
        """None if piece ``key`` reads back whole and belongs here, else what is wrong with it."""
        try:
            self.load(key)
        except DamagedResultError as exc:
            return str(exc)
        return None

    def discard(self, key: str) -> None:
        """Remove piece ``key`` (its description first, so a half-removed piece counts as missing)."""
        npz, meta_path = self._paths(key)
        for path in (meta_path, npz, self._timing_path(key)):
            if path.exists():
                path.unlink()

    def meta(self, key: str) -> dict:
        return self._description(key)["meta"]

    def keys(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.npz") if (p.with_suffix(".json")).exists())

    # timings are kept apart from the results: they differ between two runs of the same task
    def _timing_path(self, key: str) -> Path:
        self._paths(key)
        return self.directory / "timing" / f"{key}.json"

    def record_seconds(self, key: str, seconds: float, **where) -> None:
        atomic_write_json(self._timing_path(key), {"seconds": float(seconds), **where})

    def seconds(self, key: str) -> float:
        """Seconds the task that wrote ``key`` took (NaN when not recorded)."""
        path = self._timing_path(key)
        try:
            return float(json.loads(path.read_text())["seconds"])
        except (OSError, ValueError, KeyError, TypeError):
            return float("nan")


def _describe_diff(old: dict, new: dict) -> str:
    keys = sorted(set(old) | set(new))
    parts = [f"{k}: stored {old.get(k)!r}, asked {new.get(k)!r}" for k in keys if old.get(k) != new.get(k)]
    return "; ".join(parts[:4]) + ("; ..." if len(parts) > 4 else "")
