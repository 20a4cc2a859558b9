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

Reading a piece (:meth:`RunStore.load`) checks all of the above, and the shapes the caller expects
(``expect=``: a chunk with fewer rows is refused); a piece that fails, or whose files are not even
readable (truncated, garbage, a field missing), is reported by file name
(:class:`~polyloss.errors.DamagedResultError`) and never used: a sweep removes it and computes it
again (:meth:`polyloss.execution.Plan.pending`).

**Configuration guard.** Opening a folder with a *different* configuration raises
:class:`~polyloss.errors.ResumeError` and touches nothing, unless the folder holds no finished piece
(a run that was refused or failed before saving anything, or was killed before its first piece):
then the new configuration replaces the old one, as nothing can be mixed. ``force=True`` (the
command line's ``--force``) starts a clashing folder afresh *without deleting anything*: every file
of the old run is moved into ``<folder>/superseded-<UTC time>/`` (:func:`move_aside`), where it can
be inspected or deleted by hand. JSON is written with ``allow_nan=False``: a NaN or an infinity is
stored as ``null``, never as the invalid ``NaN``.

**One writer per folder.** A process that writes a run folder holds an exclusive lock on its
``.polyloss.lock`` file (:func:`folder_lock`, ``fcntl.flock``; the lock file names the holder's
pid). A second process asking for the same folder gets :class:`~polyloss.errors.FolderInUseError`
("in use by pid N") before it reads or writes anything; the kernel drops the lock when the holder
exits, even by SIGKILL. The lock is re-entrant within a process, and the worker processes of a run
write their pieces under their parent's lock (:class:`RunStore` with ``create=False``).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import io
import json
import math
import os
import re
import stat
import tempfile
import threading
import zipfile
from pathlib import Path

import numpy as np

from .errors import DamagedResultError, FolderInUseError, InvalidInputError, ResumeError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux/macOS: no lock (one writer per folder is then the user's care)
    fcntl = None

__all__ = ["RunStore", "config_hash", "read_config", "read_json", "atomic_write_bytes", "atomic_write_text",
           "atomic_write_json", "new_file_mode", "folder_lock", "move_aside", "LOCK_FILE"]

LOCK_FILE = ".polyloss.lock"

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
    return json.dumps(_jsonable(obj), indent=2, sort_keys=True, allow_nan=False)


def _jsonable(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None  # JSON has no NaN nor infinity: stored as null
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
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


def read_json(path, what: str, required=()) -> dict:
    """The JSON object in ``path``, with at least the keys ``required``; a file that is unreadable,
    truncated, not JSON, not an object or lacks a key raises :class:`~polyloss.errors.DamagedResultError`
    naming the file and ``what`` it should be (never a bare ``JSONDecodeError`` or ``KeyError``)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DamagedResultError(f"{path}: unreadable {what} file ({type(exc).__name__}: {exc})") from None
    if not isinstance(data, dict) or any(k not in data for k in required):
        missing = ", ".join(k for k in required if not isinstance(data, dict) or k not in data)
        raise DamagedResultError(f"{path}: not a polyloss {what} file (missing {missing or 'a JSON object'})")
    return data


def _read_json(path: Path, what: str, required=("config",)) -> dict:
    data = read_json(path, what, required)
    if "config" in required and not isinstance(data["config"], dict):
        raise DamagedResultError(f"{path}: not a polyloss {what} file (its config is not an object)")
    return data


# ------------------------------------------------------------------------------------ folder lock
_LOCKS: dict = {}  # real path of the folder -> [file descriptor, depth]
_LOCKS_GUARD = threading.RLock()


@contextlib.contextmanager
def folder_lock(directory):
    """Hold the exclusive lock of run folder ``directory`` (made if missing) while the block runs.

    Another process holding it raises :class:`~polyloss.errors.FolderInUseError` naming its pid, at
    once (no waiting). Re-entrant within this process. The lock is ``fcntl.flock`` on
    ``<directory>/.polyloss.lock``, released by the kernel when the process ends however it ends; the
    file itself stays (removing it would let two processes lock two different files).
    """
    if directory is None or fcntl is None:
        yield
        return
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise InvalidInputError(f"run folder {directory} exists and is not a folder")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInputError(f"cannot make run folder {directory}: {exc.strerror or exc}") from None
    key = os.path.realpath(directory)
    with _LOCKS_GUARD:
        held = _LOCKS.get(key)
        if held is not None:
            held[1] += 1
        else:
            path = directory / LOCK_FILE
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as exc:
                raise InvalidInputError(f"cannot lock run folder {directory} ({path}: {exc.strerror or exc})") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                try:
                    holder = os.read(fd, 200).decode("utf-8", "replace").strip()
                finally:
                    os.close(fd)
                raise FolderInUseError(
                    f"run folder {directory} is in use by {holder or 'another process'} (it holds {path}); "
                    "nothing was touched. Wait for that run to finish, or use another --out folder.") from None
            except OSError as exc:  # a file system without locks (some network mounts): go on, and say so
                import warnings

                warnings.warn(f"cannot lock run folder {directory} ({exc.strerror or exc}); running without the "
                              "lock: do not start a second run into it meanwhile", stacklevel=3)
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()} on {_hostname()} since "
                         f"{_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')}\n".encode())
            _LOCKS[key] = [fd, 1]
    try:
        yield
    finally:
        with _LOCKS_GUARD:
            held = _LOCKS[key]
            held[1] -= 1
            if held[1] == 0:
                del _LOCKS[key]
                try:
                    fcntl.flock(held[0], fcntl.LOCK_UN)
                except OSError:
                    pass  # never locked (a file system without locks); closing releases it anyway
                finally:
                    os.close(held[0])


def _hostname() -> str:
    import socket

    return socket.gethostname()


def holds_lock(directory) -> bool:
    """Whether this process holds the lock of ``directory``."""
    with _LOCKS_GUARD:
        return os.path.realpath(directory) in _LOCKS


def move_aside(directory) -> Path | None:
    """Move every file and folder of ``directory`` (but its lock file and earlier ``superseded-*``
    folders) into a new ``<directory>/superseded-<UTC time>/``; return it (None if nothing was moved).
    What ``--force`` does to a folder of another configuration: nothing is deleted."""
    directory = Path(directory)
    entries = [p for p in directory.iterdir() if p.name != LOCK_FILE and not p.name.startswith("superseded-")]
    if not entries:
        return None
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = directory / f"superseded-{stamp}"
    n = 1
    while target.exists():
        n += 1
        target = directory / f"superseded-{stamp}-{n}"
    target.mkdir()
    for p in entries:
        os.replace(p, target / p.name)
    return target


class RunStore:
    """A run folder for one configuration.

    >>> store = RunStore(tmp_path / "run", {"H": 3, "seed": 1})   # doctest: +SKIP
    >>> if not store.has("Lambda=25"):
    ...     store.save("Lambda=25", {"energies": energies}, meta={"runs": 100})
    >>> store.load("Lambda=25")["energies"]
    """

    def __init__(self, directory, config: dict, *, force: bool = False, create: bool = True):
        """Open run folder ``directory`` for ``config`` (module docstring: the configuration guard).

        ``create=True`` (a run): the folder's lock is taken while its ``config.json`` is checked and
        (when missing, or replaceable) written. ``force=True``: a folder of another configuration, or
        with an unreadable ``config.json``, is started afresh, its old files moved into
        ``superseded-<time>/`` (:attr:`superseded`). ``create=False`` (a reader, or a worker process
        of a run whose parent holds the lock): the folder must already hold this configuration;
        nothing is locked or written here.
        """
        self.directory = Path(directory)
        self.config = _jsonable(dict(config))
        self.config_hash = config_hash(self.config)
        self.superseded = None
        if self.directory.exists() and not self.directory.is_dir():
            raise InvalidInputError(f"run folder {self.directory} exists and is not a folder")
        if not create:
            self._check_config(force=False, create=False)
            return
        with folder_lock(self.directory):
            self._check_config(force=force, create=True)

    def _check_config(self, *, force: bool, create: bool) -> None:
        from . import __version__

        cfg_path = self.directory / "config.json"
        if cfg_path.exists():
            problem = None
            try:
                stored = _read_json(cfg_path, "config")
            except DamagedResultError as exc:
                problem, stored = str(exc), None
            old = stored is not None and "config_hash" not in stored
            if old:
                problem = (f"run folder {self.directory} was written by polyloss {stored.get('polyloss_version', '0.1')} "
                           "(pieces without checksums), which this version does not read")
            elif stored is not None and stored["config"] != self.config:
                problem = (f"run folder {self.directory} holds results of a different configuration "
                           f"({_describe_diff(stored['config'], self.config)})")
            if problem is None:
                return
            if not create:
                raise ResumeError(f"{problem}; nothing was touched.")
            if force:
                self.superseded = move_aside(self.directory)
            elif old or self.keys() or any(self.directory.glob("*.npz")):
                raise ResumeError(
                    f"{problem}; nothing was overwritten. Use another --out folder, the same configuration, or "
                    "--force (force=True) to start this folder afresh: its old files are then moved into "
                    "superseded-<time>/ inside it, nothing is deleted.")
            # else: no finished piece to protect (a refused or failed run): the new configuration replaces it
        elif not create:
            raise InvalidInputError(f"{self.directory} is not a run folder (no config.json)")
        self.directory.mkdir(parents=True, exist_ok=True)
        atomic_write_json(cfg_path, {
            "config": self.config,
            "config_hash": self.config_hash,
            "polyloss_version": __version__,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        })

    @classmethod
    def open(cls, directory) -> "RunStore":
        """The existing run folder ``directory``, with the configuration it holds (for reading)."""
        return cls(directory, read_config(directory), create=False)

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
        desc = read_json(meta_path, "result description", ("key", "config_hash", "arrays", "sha256", "meta"))
        arrays = desc["arrays"]
        if not (isinstance(arrays, dict) and isinstance(desc["meta"], dict) and isinstance(desc["sha256"], str)
                and all(isinstance(a, dict) and isinstance(a.get("shape"), list) and isinstance(a.get("dtype"), str)
                        for a in arrays.values())):
            raise DamagedResultError(f"{meta_path}: not a polyloss result description (malformed arrays, meta or "
                                     "sha256 field)")
        if desc["key"] != key:
            raise DamagedResultError(f"{meta_path}: describes piece {desc['key']!r}, not {key!r} "
                                     "(a file copied over another)")
        if desc["config_hash"] != self.config_hash:
            raise DamagedResultError(f"{meta_path}: written for configuration {desc['config_hash']}, this folder "
                                     f"holds {self.config_hash} (a file from another run folder)")
        return desc

    def load(self, key: str, expect: dict | None = None) -> dict:
        """The arrays of piece ``key``, after checking key, configuration, checksum, names, shapes and dtypes.

        ``expect``: ``{name: shape}`` the caller knows the piece must have (from the configuration;
        ``None`` in a shape matches any length): a piece whose description and arrays agree but that
        holds fewer rows than its task asked for is refused too.
        """
        npz, _ = self._paths(key)
        desc = self._description(key)
        try:
            data = npz.read_bytes()
        except OSError as exc:
            raise DamagedResultError(f"{npz}: unreadable ({exc})") from None
        if hashlib.sha256(data).hexdigest() != desc["sha256"]:
            raise DamagedResultError(f"{npz}: checksum does not match {npz.with_suffix('.json').name} "
                                     "(truncated, altered or copied from another piece)")
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except Exception as exc:  # BadZipFile, a bad .npy header, ...: whatever it is, the file is not usable
            raise DamagedResultError(f"{npz}: unreadable ({type(exc).__name__}: {exc})") from None
        expected = desc["arrays"]
        if sorted(arrays) != sorted(expected) or any(
                list(arrays[k].shape) != expected[k]["shape"] or arrays[k].dtype.str != expected[k]["dtype"]
                for k in arrays):
            raise DamagedResultError(f"{npz}: arrays do not match their description {npz.with_suffix('.json').name}")
        for name, shape in (expect or {}).items():
            if name not in arrays:
                raise DamagedResultError(f"{npz}: holds no array {name!r} (it should, for piece {key})")
            got = arrays[name].shape
            if len(got) != len(shape) or any(s is not None and g != s for g, s in zip(got, shape)):
                want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
                raise DamagedResultError(f"{npz}: array {name!r} has shape {got}, its task needs {want} "
                                         "(a piece of another task or size)")
        return arrays

    def problem(self, key: str, expect: dict | None = None, meta: dict | None = None) -> str | None:
        """None if piece ``key`` reads back whole and belongs here, else what is wrong with it.

        ``expect``: shapes, as for :meth:`load`; ``meta``: the description its task saved with it (a
        piece whose key was edited to pass as another is caught by it).
        """
        try:
            self.load(key, expect)
            if meta is not None:
                stored = self.meta(key)
                if stored != _jsonable(dict(meta)):
                    return (f"{self._paths(key)[1]}: describes the task {stored}, not {_jsonable(dict(meta))} "
                            "(a piece of another task)")
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
        """Keys of the pieces present (both files there; temporaries ``.*.tmp`` are never pieces)."""
        return sorted(p.stem for p in self.directory.glob("*.npz")
                      if not p.name.startswith(".") and (p.with_suffix(".json")).exists())

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
