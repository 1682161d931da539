"""Run folders as one unit: written beside the old one, swapped in whole, one writer at a time.

Stage: results (files) ─► **runfolder** ─► charts ─► report ─► api / cli.

A run into ``results/NAME`` (or ``--out DIR``) goes like this:

1. **Checks that write nothing**: the folder, if it exists, is a folder, not a mount point, not the
   working directory, and holds only files linesim writes (``results.RUN_FILES`` and what its
   manifest lists) — a run replaces the whole folder, so anything else in it would be lost; its
   name fits the file system (``NAME_MAX``).
2. **Lock**: ``PARENT/.NAME.lock`` (the ``filelock`` package: ``flock``, released by the OS when
   the process dies, kill -9 included, so no stale lock). A second run into the same folder is
   refused at once. The lock is held until the new folder is swapped in.
3. **Leftovers** of an earlier run killed with kill -9 (``.NAME.tmp-*``, ``.NAME.old-*``) are
   removed and reported; safe because we hold the lock. If the folder itself is missing and an
   ``.NAME.old-*`` exists (a kill inside the fallback swap below), that old folder is put back.
4. **Try it**: the temporary sibling ``PARENT/.NAME.tmp-XXXXXXXX`` is created (mode from the
   umask, not mkdtemp's 0700) and a probe file written and removed; then free space is checked
   against a generous estimate of the output. All before anything is simulated.
5. The run writes everything into the temporary folder, manifest last; ``commit`` fsyncs it and
   swaps it in: on Linux with ``renameat2(RENAME_EXCHANGE)`` (ctypes: no standard binding), which
   exchanges the two folders atomically — at every instant ``NAME`` is either the old complete
   folder or the new complete one — and then removes the old one (now at the temporary name).
   Where the exchange is not available (other systems, file systems without it) the fallback is
   rename old aside to ``.NAME.old-XXXXXXXX``, rename new in, remove old: between the two renames
   ``NAME`` does not exist for a moment; a kill -9 there leaves the old folder at ``.NAME.old-*``,
   put back by the next run (step 3). A first run is a plain rename.
6. ``abort`` (error, Ctrl-C, SIGTERM): the old folder is not touched. The partial output, with a
   manifest saying ``failed`` or ``interrupted`` and why, is kept as ``PARENT/.NAME.incomplete``
   (replacing an older one; removed by the next complete run); if even that manifest cannot be
   written (a full disk), the partial output is removed.

Lock files stay in place after a run (removing a flock'ed file races with the next locker).
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable, Optional

from filelock import FileLock, Timeout

from .lifecycle import deferred_interrupts
from .results import MANIFEST, RUN_FILES, folder_mode

_MAX_STEM_BYTES = 200  # hidden siblings add ".tmp-XXXXXXXX" etc.; names stay under 255 bytes
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class FolderRefused(Exception):
    """The run folder cannot be used; ``lines`` say why and what to change (exit status 2)."""

    def __init__(self, *lines: str):
        super().__init__("\n".join(lines))
        self.lines = list(lines)


def _stem(name: str) -> str:
    raw = name.encode("utf-8", "surrogateescape")
    if len(raw) <= _MAX_STEM_BYTES:
        return name
    digest = hashlib.sha1(raw).hexdigest()[:10]
    return raw[:_MAX_STEM_BYTES - 12].decode("utf-8", "ignore") + "~" + digest


def _strerror(exc: OSError) -> str:
    return exc.strerror or str(exc)


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where the system
    or the file system cannot, so the caller falls back."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync(path: Path, directory: bool = False) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot fsync a directory
        pass
    finally:
        os.close(fd)


def _linesim_files(folder: Path) -> set[str]:
    """Names a linesim run folder may hold: the known files and whatever its manifest lists."""
    names = set(RUN_FILES)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        listed = manifest.get("files")
        # a sweep's folder (its store) is never replaced by a run: its files are not a run's
        if isinstance(listed, list) and manifest.get("kind") != "sweep":
            names |= {n for n in listed if isinstance(n, str)}
    except (OSError, ValueError, AttributeError):
        pass
    return names


class RunFolder:
    """One run folder, from the checks before simulating to the swap (or the abort)."""

    def __init__(self, path: Path, option: str, need_bytes: int = 0):
        self.path = Path(path)  # as the user gave it, for messages
        self.option = option  # "--out" or "--results-dir", for messages
        self.need_bytes = need_bytes
        self.real = Path(os.path.realpath(self.path))
        self.parent = self.real.parent
        self.stem = _stem(self.real.name)
        self.work: Optional[Path] = None  # the temporary sibling the run writes into
        self.notices: list[str] = []
        self.state = "planned"  # planned → ready → committed | aborted | discarded
        self.kept: Optional[Path] = None  # where partial output was kept, as the user would spell it
        self._lock: Optional[FileLock] = None

    # -- names ------------------------------------------------------------------------------
    def sibling(self, kind: str) -> Path:
        return self.parent / f".{self.stem}.{kind}"

    @property
    def lock_path(self) -> Path:
        return self.sibling("lock")

    @property
    def incomplete_path(self) -> Path:
        return self.sibling("incomplete")

    def shown(self, path: Path) -> Path:
        """A sibling spelled beside the folder as the user gave it (unless that is a symlink)."""
        if os.path.realpath(self.path.parent) == str(self.parent):
            return self.path.parent / path.name
        return path

    def _refuse(self, why: str, change: str = "") -> FolderRefused:
        hint = change or f"choose another folder with {self.option}"
        return FolderRefused(f"error {self.path}: {why}; {hint} ({self.option})")

    # -- before simulating ----------------------------------------------------------------------
    def check(self, files: bool = True) -> None:
        """Step 1: the checks that write nothing (``files``: also that it holds only files
        linesim writes)."""
        real = self.real
        for part in (*reversed(real.parents), real):  # first: a too long name fails every call
            try:
                name_max = os.pathconf(part.parent if part.parent.is_dir() else "/", "PC_NAME_MAX")
            except (OSError, ValueError, AttributeError):
                name_max = 255
            if len(os.fsencode(part.name)) > name_max:
                raise self._refuse(f"the name {part.name[:20]}… is too long ({len(os.fsencode(part.name))}"
                                   f" bytes, the file system allows {name_max})",
                                   f"use a shorter name with {self.option}")
        if real.exists() and not real.is_dir():
            raise self._refuse("exists and is not a folder")
        for parent in real.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise self._refuse(f"{parent} is a file, not a folder")
                break
        if real.is_dir():
            if os.path.ismount(real):
                raise self._refuse("is a mount point and cannot be replaced as a whole",
                                   f"use a folder inside it with {self.option}")
            cwd = Path(os.path.realpath(os.getcwd()))
            if cwd == real or real in cwd.parents:
                raise self._refuse("is the working folder or holds it",
                                   f"choose a folder of its own with {self.option}")
            try:
                entries = sorted(os.listdir(real))
            except OSError as exc:
                raise self._refuse(f"cannot be read: {_strerror(exc)}") from None
            if not files:
                return
            ours = _linesim_files(real)
            foreign = [n for n in entries if n not in ours and not (n.startswith(".") and n.endswith(".tmp"))]
            if foreign:
                shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
                raise self._refuse(
                    f"holds files linesim did not write ({shown}) and a run replaces the whole folder",
                    f"move them out or choose another folder with {self.option}")

    def take_lock(self) -> None:
        """Create the parent folder and take ``PARENT/.NAME.lock`` (refused if another run holds
        it); released by the OS if this process dies."""
        try:
            self.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._refuse(f"cannot create {self.parent}: {_strerror(exc)}") from None
        lock = FileLock(self.lock_path, timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise self._refuse(f"another linesim run is writing this folder (it holds "
                               f"{self.shown(self.lock_path)})",
                               f"wait for it to end or choose another folder with {self.option}") from None
        except OSError as exc:
            raise self._refuse(f"cannot write in {self.parent}: {_strerror(exc)}") from None
        self._lock = lock

    def prepare(self) -> None:
        """Steps 2–4: lock, leftovers, temporary sibling and probe, free space."""
        self.check()
        self.take_lock()
        try:
            self._clean_leftovers()
            self.check()  # again, under the lock: another run may have just written the folder
            try:
                self.work = Path(tempfile.mkdtemp(prefix=f".{self.stem}.tmp-", dir=self.parent))
                os.chmod(self.work, folder_mode())
                probe = self.work / ".probe"
                with open(probe, "wb") as f:
                    f.write(b"\0" * 4096)
                    f.flush()
                    os.fsync(f.fileno())
                probe.unlink()
            except OSError as exc:
                raise self._refuse(f"cannot write in {self.parent}: {_strerror(exc)}") from None
            try:
                free = shutil.disk_usage(self.parent).free
            except OSError:
                free = None
            if free is not None and free < self.need_bytes:
                raise self._refuse(
                    f"only {free / 1e6:,.1f} MB free on its file system and a run folder needs about "
                    f"{self.need_bytes / 1e6:,.1f} MB", f"free some space or choose another folder "
                    f"with {self.option}")
        except BaseException:
            self.discard()
            raise
        if self.real.is_dir():  # the swap at the end replaces it: say so now, not silently
            self.notices.append(f"replacing the previous run in {self.path} (it stays as it is "
                                "until this run completes)")
        self.state = "ready"

    def _clean_leftovers(self) -> None:
        tmp, old = f".{self.stem}.tmp-", f".{self.stem}.old-"

        def leftover(name: str) -> bool:  # exactly PREFIX + 8 characters (mkdtemp, token_hex(4))
            return any(name.startswith(p) and len(name) == len(p) + 8 and "." not in name[len(p):]
                       for p in (tmp, old))

        found = sorted((e for e in os.scandir(self.parent)
                        if e.is_dir(follow_symlinks=False) and leftover(e.name)),
                       key=lambda e: e.stat(follow_symlinks=False).st_mtime)
        olds = [e for e in found if e.name.startswith(old)]
        if olds and not os.path.lexists(self.real):
            os.rename(olds[-1].path, self.real)
            self.notices.append(f"{self.path}: put back the previous run folder from "
                                f"{self.shown(Path(olds[-1].path))} "
                                "(an earlier run was killed while swapping folders)")
            found.remove(olds[-1])
        for e in found:
            shutil.rmtree(e.path, ignore_errors=True)
            self.notices.append(f"{self.path}: removed {self.shown(Path(e.path))}, left by an earlier "
                                "run that was killed")

    # -- after simulating -----------------------------------------------------------------------
    def commit(self) -> None:
        """Step 5: swap the complete temporary folder in, remove the old one, unlock. OSError
        from the swap itself leaves the old folder as it was (the caller aborts)."""
        assert self.work is not None and self.state == "ready"
        for p in self.work.iterdir():
            _fsync(p)
        _fsync(self.work, directory=True)
        with deferred_interrupts():
            replaced: Optional[Path] = None
            if os.path.lexists(self.real):
                if exchange(self.work, self.real):
                    replaced = self.work
                else:
                    replaced = self.sibling(f"old-{secrets.token_hex(4)}")
                    os.rename(self.real, replaced)
                    try:
                        os.rename(self.work, self.real)
                    except BaseException:
                        os.rename(replaced, self.real)
                        raise
            else:
                os.rename(self.work, self.real)
            self.work = None
            self.state = "committed"
            _fsync(self.parent, directory=True)
            if replaced is not None:
                shutil.rmtree(replaced, ignore_errors=True)
            shutil.rmtree(self.incomplete_path, ignore_errors=True)
            self._unlock()

    def abort(self, write_manifest: Optional[Callable[[Path], None]] = None) -> Optional[Path]:
        """Step 6: leave the old folder alone; keep the partial output (with the manifest
        ``write_manifest`` writes into it) as ``.NAME.incomplete`` and return where, or remove
        it if that fails."""
        if self.state == "committed":  # an interrupt held back until the swap was done
            return None
        with deferred_interrupts():
            if self.work is not None:
                try:
                    if write_manifest is not None:
                        write_manifest(self.work)
                    shutil.rmtree(self.incomplete_path, ignore_errors=True)
                    os.rename(self.work, self.incomplete_path)
                    self.kept = self.shown(self.incomplete_path)
                except OSError:
                    shutil.rmtree(self.work, ignore_errors=True)
                self.work = None
            self.state = "aborted"
            self._unlock()
        return self.kept

    def discard(self) -> None:
        """Give the folder up before anything ran: remove the temporary sibling, unlock."""
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)
            self.work = None
        if self.state in ("planned", "ready"):
            self.state = "discarded"
        self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            try:
                self._lock.release()
            except OSError:
                pass
            self._lock = None


def same_folder_key(path: Path) -> str:
    """Two spellings of one folder, also on case-insensitive file systems (shared drives,
    macOS, Windows) and under Unicode normalisation differences."""
    import unicodedata

    return unicodedata.normalize("NFC", os.path.realpath(path)).casefold()


class InPlaceFolder:
    """A folder written in place under the same lock as a run folder: a sweep's folder, whose
    store must outlive a kill -9 (so it cannot live in a temporary sibling that is swapped in at
    the end). Its files are each written atomically; the folder as a whole is not swapped.

    ``open`` makes the checks of ``RunFolder.check`` that apply (not a file, not a mount point,
    not the working folder, a name that fits, no files but ``allowed`` ones and what its
    manifest lists if that manifest is a sweep's: ``"kind": "sweep"``), creates it and takes ``PARENT/.NAME.lock`` (the same lock a run into that
    folder takes: a second sweep, or a run, into it is refused at once). ``close`` unlocks.
    """

    def __init__(self, path: Path, option: str, allowed: set[str]):
        self.path = Path(path)
        self.option = option
        self.allowed = set(allowed)
        self._folder = RunFolder(path, option)
        self.real = self._folder.real

    @property
    def lock_path(self) -> Path:
        return self._folder.lock_path

    def open(self) -> None:
        folder = self._folder
        folder.check(files=False)
        self._check_files()
        folder.take_lock()
        try:
            self._check_files()  # again, under the lock
            if not self.real.is_dir():
                self.real.mkdir()
                os.chmod(self.real, folder_mode())  # the umask's mode, as for run folders
        except OSError as exc:
            self.close()
            raise folder._refuse(f"cannot write in {self.real}: {_strerror(exc)}") from None
        except BaseException:
            self.close()
            raise

    def _check_files(self) -> None:
        if not self.real.is_dir():
            return
        ours = set(self.allowed)
        try:  # and what a sweep's manifest lists (a run folder's manifest does not count)
            manifest = json.loads((self.real / MANIFEST).read_text(encoding="utf-8"))
            if manifest.get("kind") == "sweep" and isinstance(manifest.get("files"), list):
                ours |= {n for n in manifest["files"] if isinstance(n, str)}
        except (OSError, ValueError, AttributeError):
            pass
        foreign = sorted(n for n in os.listdir(self.real)
                         if n not in ours and not (n.startswith(".") and n.endswith(".tmp")))
        if foreign:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise self._folder._refuse(f"holds files a linesim sweep did not write ({shown})",
                                       f"move them out or choose another folder with {self.option}")

    def close(self) -> None:
        self._folder._unlock()

    def __enter__(self) -> "InPlaceFolder":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()
