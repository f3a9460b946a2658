"""The files the program reads and writes, and its temporary files.

Only regular files are read (a FIFO would block forever, a device may never end), at most a
given number of bytes. Every file or folder is written whole or not at all: built under a
temporary name beside its target, ``.<name>.<pid>.<random>.tmp``, then renamed over it. Files
and folders are created with the modes the user's umask gives (0644/0755 style: colleagues on
a shared machine can read a report). A temporary file whose process has died (``kill -9``) is
removed the next time the program starts work there (``clean_stale``: the user library when it
is read, a report's folder when it is written); nothing else is ever removed."""
from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import stat
from pathlib import Path

from .errors import InputError

TEMP_SUFFIX = ".tmp"
NAME_CHARS = 100  # of the target's name kept in a temporary name (a long name must still fit in 255 bytes)
_TEMP = re.compile(r"\.(?P<name>.*)\.(?P<pid>[0-9]+)\.[0-9a-f]{8}\.tmp")


def read_bytes(path, field: str, limit: int | None = None) -> bytes:
    """The bytes of the regular file ``path``; InputError naming ``field`` when it is missing,
    a folder, not a regular file (FIFO, device, socket), unreadable or larger than ``limit``
    bytes. Opened without blocking, so a FIFO is refused rather than waited on."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(field, f"{path} not found") from None
    except OSError as err:
        try:  # a socket cannot be opened at all: say what it is
            _check_regular(os.stat(path).st_mode, path, field)
        except OSError:
            pass
        raise InputError(field, f"cannot read {path}: {err.strerror or err}") from None
    try:
        _check_regular(os.fstat(fd).st_mode, path, field)
    except InputError:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(limit + 1) if limit else handle.read()
        except OSError as err:
            raise InputError(field, f"cannot read {path}: {err.strerror or err}") from None
    if limit and len(data) > limit:
        raise InputError(field, f"{path} is larger than {limit:,} bytes")
    return data


def _check_regular(mode: int, path: Path, field: str) -> None:
    if stat.S_ISDIR(mode):
        raise InputError(field, f"{path} is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise InputError(field, f"{path} is not a regular file ({_kind(mode)}); only regular files are read")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "a special file"


def is_regular(path) -> bool:
    """Whether ``path`` is a regular file (following a symbolic link), without opening it."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


# --- writing ---------------------------------------------------------------------------------------
def temp_path(target: Path) -> Path:
    """A fresh temporary name beside ``target``: '.<name>.<pid>.<random>.tmp'."""
    return target.with_name(f".{target.name[:NAME_CHARS]}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


def write_atomic(path, data: bytes) -> None:
    """Write ``data`` to the file ``path`` whole or not at all: a temporary file beside it
    (created with the umask's mode), flushed to disk, then renamed over ``path``. OSError when
    it cannot be written (``path`` a folder, its folder missing, no permission, disk full);
    the temporary file is gone then, as after an interrupt."""
    path = Path(path)
    if path.is_dir() or not path.name:
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    tmp = temp_path(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        remove(tmp)
        raise


def remove(path: Path) -> None:
    """Remove a temporary file or folder of this program; absent is not an error."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
    except OSError:
        pass


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # another user's process (alive), or no process id at all: not ours to remove
    return True


def clean_stale(folder, name: str | None = None) -> list[Path]:
    """Remove the temporary files and folders in ``folder`` that a process of this program left
    when it died (their process is gone); only ``name``'s when given. Returns what was removed."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP.fullmatch(entry.name)
        if not match or (name is not None and match["name"] != name[:NAME_CHARS]) or _alive(int(match["pid"])):
            continue
        remove(Path(entry.path))
        removed.append(Path(entry.path))
    return removed
