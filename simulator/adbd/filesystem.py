"""`VirtualFiles`: the slice of a phone's file system that ADB clients touch.

Files live in memory: what `sync` pushes, what `uiautomator dump` and `screencap FILE`
write, what `cat` and `sync` pull. Directories exist implicitly (any prefix of a file's
path) plus a few standard ones, so `stat /sdcard` answers like a phone.
"""

from __future__ import annotations

import posixpath
import stat
import threading
import time
from dataclasses import dataclass

STANDARD_DIRS = (
    "/",
    "/data",
    "/data/local",
    "/data/local/tmp",
    "/sdcard",
    "/sdcard/DCIM",
    "/sdcard/Download",
    "/sdcard/Pictures",
    "/storage",
    "/storage/emulated",
    "/storage/emulated/0",
)


@dataclass(frozen=True)
class FileEntry:
    """One file or directory.

    Attributes:
        mode: st_mode (type and permission bits).
        size: bytes.
        mtime: seconds since the epoch.
    """

    mode: int
    size: int
    mtime: int


def normalize(path: str) -> str:
    """An absolute, normalized path; /storage/emulated/0 and /sdcard are the same place."""
    path = posixpath.normpath("/" + path.strip().lstrip("/"))
    for alias in ("/storage/emulated/0", "/storage/self/primary", "/mnt/sdcard"):
        if path == alias or path.startswith(alias + "/"):
            path = "/sdcard" + path[len(alias) :]
    return path


class VirtualFiles:
    """An in-memory file tree. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, tuple[bytes, int, int]] = {}
        self._dirs = {normalize(d) for d in STANDARD_DIRS}

    def write(self, path: str, data: bytes, mode: int = 0o644, mtime: int | None = None) -> str:
        """Create or replace a file (its parent directories appear); returns the path."""
        path = normalize(path)
        with self._lock:
            self._files[path] = (bytes(data), mode & 0o7777, int(mtime or time.time()))
            parent = posixpath.dirname(path)
            while parent not in self._dirs:
                self._dirs.add(parent)
                parent = posixpath.dirname(parent)
        return path

    def read(self, path: str) -> bytes:
        """A file's bytes.

        Raises:
            FileNotFoundError: no such file.
            IsADirectoryError: it is a directory.
        """
        path = normalize(path)
        with self._lock:
            if path in self._files:
                return self._files[path][0]
            if path in self._dirs:
                raise IsADirectoryError(path)
        raise FileNotFoundError(path)

    def remove(self, path: str) -> bool:
        """Delete a file; True when it existed."""
        with self._lock:
            return self._files.pop(normalize(path), None) is not None

    def mkdir(self, path: str) -> None:
        """Create a directory and its parents."""
        path = normalize(path)
        with self._lock:
            while path not in self._dirs:
                self._dirs.add(path)
                path = posixpath.dirname(path)

    def stat(self, path: str) -> FileEntry | None:
        """The entry at `path`, or None."""
        path = normalize(path)
        with self._lock:
            if path in self._files:
                data, mode, mtime = self._files[path]
                return FileEntry(stat.S_IFREG | mode, len(data), mtime)
            if path in self._dirs:
                return FileEntry(stat.S_IFDIR | 0o771, 4096, int(time.time()))
        return None

    def listdir(self, path: str) -> dict[str, FileEntry]:
        """The entries directly inside a directory, by name.

        Raises:
            FileNotFoundError: no such directory.
        """
        path = normalize(path)
        with self._lock:
            if path not in self._dirs:
                raise FileNotFoundError(path)
            names = {
                posixpath.basename(p)
                for p in (*self._files, *self._dirs)
                if p != path and posixpath.dirname(p) == path
            }
        entries = {}
        for name in sorted(names):
            entry = self.stat(posixpath.join(path, name))
            if entry is not None:
                entries[name] = entry
        return entries
