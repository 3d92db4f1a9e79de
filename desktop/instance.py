"""One running app per database: a lock held while it runs, and a note saying where it listens."""

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from desktop import paths


@dataclass
class Running:
    pid: int
    url: str
    db: str

    def answers(self, timeout: float = 2.0) -> bool:
        """True if the API at `url` is really ours and up (not a stale note)."""
        import urllib.request  # only here: it would slow every command's start

        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=timeout) as response:
                return response.status == 200
        except (OSError, ValueError):
            return False


class Instance:
    """The lock and note for one database file, kept in the app's data directory."""

    def __init__(self, db_path: Path):
        key = hashlib.sha256(str(db_path).encode()).hexdigest()[:16]
        folder = paths.data_dir() / "instances"
        self.db_path = db_path
        self.lock_path = folder / f"{key}.lock"
        self.note_path = folder / f"{key}.json"
        self._lock = None

    def acquire(self) -> bool:
        """Take the lock; False if another process of ours holds it for this database."""
        from filelock import FileLock, Timeout  # only here: it would slow every command's start

        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.lock_path)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return False
        self._lock = lock
        return True

    def announce(self, url: str) -> None:
        note = {"pid": os.getpid(), "url": url, "db": str(self.db_path)}
        temporary = self.note_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(note))
        temporary.replace(self.note_path)

    def running(self) -> Running | None:
        """The app that runs on this database, if one does (checked through its lock)."""
        if self._lock is None and not self.note_path.exists():
            return None  # nothing announced: whether the lock is free or an app is starting, none answers yet
        if self._lock is None:
            if self.acquire():
                self.release()
                return None
        try:
            note = json.loads(self.note_path.read_text())
            return Running(int(note["pid"]), str(note["url"]), str(note["db"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def release(self) -> None:
        if self._lock is not None:
            self.note_path.unlink(missing_ok=True)
            self._lock.release()
            self._lock = None


def running_on_port(port: int) -> Running | None:
    """Our app listening on `port`, for any database, if one has announced itself there and still
    holds its lock: a taken port is then named as a second copy of this app, not another program."""
    from urllib.parse import urlsplit

    folder = paths.data_dir() / "instances"
    for note_path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            note = json.loads(note_path.read_text())
            if urlsplit(str(note["url"])).port != port:
                continue
            db = Path(str(note["db"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        instance = Instance(db)
        if instance.note_path != note_path:
            continue
        running = instance.running()
        if running is not None:
            return running
    return None


def port_holder(port: int) -> str:
    """Who holds a taken port, in words: a second copy of this app is named as such."""
    other = running_on_port(port)
    if other is None:
        return "another program"
    return f"Expense Tracker, already running at {other.url} (database {other.db})"
