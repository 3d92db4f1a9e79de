"""Replication with Litestream: a continuous copy of the database in a folder, on an SFTP server or
in S3-compatible storage, and restoring from it.

The destination lives in `<db>.replica.json` beside the database (mode 0600: it may hold an S3 secret
key or a key passphrase, which never go into the database, the logs, or what `list`/`status` return).
While the app runs, `ReplicaSupervisor` runs `litestream replicate` as a child process for it,
restarts it if it dies and stops it on close.

Litestream allows one writer per replica. `<db>.replica-state.json` records the replica's position
(the newest LTX transaction id) that this computer last wrote or restored; on start, a replica that
moved past it was written by another computer, and this one neither writes to it nor diverges
silently: its status says so and offers a restore (or `take_over`, the explicit step that makes this
computer the writer).
"""

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from tracker.errors import AppError, Conflict, InvalidInput, NotFound

log = logging.getLogger("expense_tracker")

BINARY_ENV = "EXPENSE_TRACKER_LITESTREAM"
INTERVAL_ENV = "EXPENSE_TRACKER_REPLICA_INTERVAL"
KINDS = ("folder", "sftp", "s3")
SECRET_FIELDS = ("secret_access_key", "key_passphrase")
FIELDS = {
    "folder": ("path",),
    "sftp": ("host", "user", "key_path", "port", "path", "key_passphrase"),
    "s3": ("endpoint", "bucket", "path", "region", "access_key_id", "secret_access_key"),
}
REQUIRED = {"folder": ("path",), "sftp": ("host", "user", "path"), "s3": ("bucket",)}
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
MASK = "••••••"


@dataclass
class Intervals:
    """How often Litestream looks at the WAL, sends it, and checkpoints (tests use short ones)."""

    monitor: str = "1s"
    sync: str = "1s"
    checkpoint: str = "1m"

    @classmethod
    def from_env(cls) -> "Intervals":
        """$EXPENSE_TRACKER_REPLICA_INTERVAL (e.g. 100ms) sets the monitor and sync intervals (tests)."""
        every = os.environ.get(INTERVAL_ENV)
        return cls(monitor=every, sync=every) if every and re.fullmatch(r"[0-9]+(ms|s)", every) else cls()


# Restarts of a child that died wait longer each time, up to this.
BACKOFF_S = (0.5, 1, 2, 5, 10, 30)
STOP_WAIT_S = 5.0


def config_path(db_path: Path) -> Path:
    return db_path.with_name(f"{db_path.name}.replica.json")


def state_path(db_path: Path) -> Path:
    return db_path.with_name(f"{db_path.name}.replica-state.json")


def litestream_config_path(db_path: Path) -> Path:
    return db_path.with_name(f"{db_path.name}.litestream.yml")


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by the user only (0600), replacing it at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(partial, 0o600)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


# --- destinations ---------------------------------------------------------------------------------


def url_of(dest: dict) -> str:
    """Where a destination is, in words a person recognises (no secret in it)."""
    kind = dest["kind"]
    if kind == "folder":
        return dest["path"]
    if kind == "sftp":
        port = f":{dest['port']}" if dest.get("port") else ""
        path = dest["path"] if dest["path"].startswith("/") else f"/{dest['path']}"
        return f"sftp://{quote(dest['user'])}@{dest['host']}{port}{path}"
    path = dest.get("path", "").strip("/")
    where = f" at {dest['endpoint']}" if dest.get("endpoint") else ""
    return f"s3://{dest['bucket']}{'/' + path if path else ''}{where}"


def masked(dest: dict) -> dict:
    """A destination as list and status show it: secrets replaced by a mask, and its url."""
    shown = {key: (MASK if key in SECRET_FIELDS and value else value) for key, value in dest.items()}
    shown["url"] = url_of(dest)
    return shown


def check_destination(dest: dict) -> dict:
    """A destination with only its kind's fields, or InvalidInput saying which is wrong."""
    kind = dest.get("kind")
    if kind not in KINDS:
        raise InvalidInput(f"A replica is a folder, sftp or s3, not {kind!r}.")
    name = str(dest.get("name") or kind)
    if not NAME.fullmatch(name):
        raise InvalidInput(f"The replica's name {name!r} must be letters, digits, '-', '_' or '.' (at most 40).")
    clean: dict = {"name": name, "kind": kind}
    for key in FIELDS[kind]:
        value = dest.get(key)
        if value is None or value == "":
            continue
        if key == "port":
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise InvalidInput(f"The SFTP port must be a number, not {value!r}.") from None
            if not 0 < value < 65536:
                raise InvalidInput(f"The SFTP port must be between 1 and 65535, not {value}.")
        else:
            value = str(value)
            if "\n" in value or "\r" in value or "\x00" in value:
                raise InvalidInput(f"The replica's {key.replace('_', ' ')} must be one line.")
        clean[key] = value
    for key in REQUIRED[kind]:
        if key not in clean:
            raise InvalidInput(f"A {kind} replica needs its {key.replace('_', ' ')}.")
    if kind == "folder":
        clean["path"] = str(Path(clean["path"]).expanduser().absolute())
    if kind == "sftp" and "key_path" in clean:
        clean["key_path"] = str(Path(clean["key_path"]).expanduser().absolute())
    if kind == "s3" and ("access_key_id" in clean) != ("secret_access_key" in clean):
        raise InvalidInput("An S3 replica needs both the access key id and the secret access key, or neither.")
    return clean


def load_destinations(db_path: Path) -> list[dict]:
    path = config_path(db_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise AppError(f"The replica settings in {path} cannot be read ({exc}).") from exc
    return [d for d in data.get("destinations", []) if isinstance(d, dict) and d.get("kind") in KINDS]


def save_destinations(db_path: Path, destinations: list[dict]) -> None:
    write_private(config_path(db_path), json.dumps({"destinations": destinations}, indent=2) + "\n")


def add_destination(db_path: Path, dest: dict) -> dict:
    """Add a destination (masked in the answer). Litestream 0.5 keeps one replica per database."""
    clean = check_destination(dest)
    existing = load_destinations(db_path)
    if existing:
        raise Conflict(f"This database already replicates to {existing[0]['name']!r} ({url_of(existing[0])}); "
                       "Litestream keeps one replica per database, so remove that one first.")
    save_destinations(db_path, [clean])
    return masked(clean)


def remove_destination(db_path: Path, name: str) -> None:
    existing = load_destinations(db_path)
    kept = [d for d in existing if d["name"] != name]
    if len(kept) == len(existing):
        raise NotFound(f"There is no replica named {name!r}.")
    save_destinations(db_path, kept)
    positions = load_state(db_path)
    positions.pop(name, None)
    save_state(db_path, positions)


def find_destination(db_path: Path, name_or_folder: str) -> dict:
    """A configured destination by name, or a folder path given directly (on a fresh machine)."""
    for dest in load_destinations(db_path):
        if dest["name"] == name_or_folder:
            return dest
    text = name_or_folder.removeprefix("file://")
    if Path(text).expanduser().is_dir():
        return check_destination({"kind": "folder", "name": "folder", "path": text})
    raise NotFound(f"There is no replica named {name_or_folder!r} and no folder {text}; "
                   "add it first with `expense-tracker replica add`.")


# --- Litestream's configuration and binary ----------------------------------------------------------


def litestream_replica(dest: dict, intervals: Intervals) -> dict:
    kind = dest["kind"]
    if kind == "folder":
        replica = {"type": "file", "path": dest["path"]}
    elif kind == "sftp":
        replica = {"type": "sftp", "host": f"{dest['host']}:{dest.get('port', 22)}", "user": dest["user"],
                   "path": dest["path"]}
        if dest.get("key_path"):
            replica["key-path"] = dest["key_path"]
    else:
        replica = {"type": "s3", "bucket": dest["bucket"], "path": dest.get("path", "").strip("/")}
        if dest.get("endpoint"):
            replica["endpoint"] = dest["endpoint"]
            replica["force-path-style"] = True
        replica["region"] = dest.get("region") or "us-east-1"
        if dest.get("access_key_id"):
            replica["access-key-id"] = dest["access_key_id"]
            replica["secret-access-key"] = dest["secret_access_key"]
    replica["sync-interval"] = intervals.sync
    return replica


def litestream_config(db_path: Path, dest: dict, intervals: Intervals) -> str:
    """Litestream's YAML for one database and its replica (JSON is YAML; -no-expand-env keeps a `$` as is)."""
    config = {"dbs": [{
        "path": str(Path(os.path.abspath(db_path))),
        "monitor-interval": intervals.monitor,
        "checkpoint-interval": intervals.checkpoint,
        "replica": litestream_replica(dest, intervals),
    }]}
    return json.dumps(config, indent=2) + "\n"


def write_litestream_config(db_path: Path, dest: dict, intervals: Intervals, target: Path | None = None) -> Path:
    target = target or litestream_config_path(db_path)
    write_private(target, litestream_config(db_path, dest, intervals))
    return target


def find_binary() -> Path:
    """The litestream binary: $EXPENSE_TRACKER_LITESTREAM, beside the app (PyInstaller), in this
    Python's bin folder, or on PATH."""
    name = "litestream.exe" if os.name == "nt" else "litestream"
    override = os.environ.get(BINARY_ENV)
    if override:
        if not Path(override).is_file():
            raise AppError(f"{BINARY_ENV} names {override}, which is not a file.")
        return Path(override)
    scripts = "Scripts" if os.name == "nt" else "bin"
    folders = [Path(sys.executable).parent, Path(sys.prefix) / scripts]
    if hasattr(sys, "_MEIPASS"):  # the built app: bundled beside its libraries (build.spec)
        folders.append(Path(sys._MEIPASS))
    for folder in folders:
        if (folder / name).is_file():
            return folder / name
    found = shutil.which(name)
    if found:
        return Path(found)
    raise AppError(f"The replication engine (litestream) is not installed; set {BINARY_ENV} to its path.")


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    # litestream 0.5.17 cannot load its S3 client when AWS_CA_BUNDLE is set ("unable to add custom RootCAs").
    env.pop("AWS_CA_BUNDLE", None)
    return env


def die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """On Linux, the child gets SIGTERM if the app dies (even by SIGKILL): no orphan writes to the replica."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def run_litestream(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([str(find_binary()), *args], capture_output=True, text=True, timeout=timeout,
                              env=child_env())
    except subprocess.TimeoutExpired as exc:
        raise AppError(f"The replication engine did not answer within {timeout:.0f} s.") from exc


def engine_error(output: str) -> str:
    """Litestream's own reason, last line, without its 'Error: ' prefix."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else "no reason given"
    return last.removeprefix("Error: ")


def worded_unreachable(dest: dict, reason: str) -> str:
    return (f"The replica at {url_of(dest)} can't be reached: {short_reason(reason)}. "
            "Your expenses are safe here; it will catch up when it is back.")


def short_reason(reason: str) -> str:
    lowered = reason.lower()
    for needle, words in (("connection refused", "connection refused"), ("no such host", "no such host"),
                          ("i/o timeout", "it did not answer"), ("timeout", "it did not answer"),
                          ("unable to authenticate", "the key was refused"), ("permission denied", "permission denied"),
                          ("nosuchbucket", "there is no such bucket"), ("accessdenied", "access denied"),
                          ("invalidaccesskeyid", "the access key was refused"),
                          ("signaturedoesnotmatch", "the secret key was refused"),
                          ("no such file or directory", "the folder is not there")):
        if needle in lowered:
            return words
    return reason.rstrip(".")[:200]


def replica_position(db_path: Path, dest: dict) -> int:
    """The newest transaction id the replica holds (0 for an empty one); AppError if unreachable."""
    with tempfile.TemporaryDirectory(prefix="expense-tracker-replica-") as folder:
        config = write_litestream_config(db_path, dest, Intervals(), Path(folder) / "litestream.yml")
        done = run_litestream(["ltx", "-no-expand-env", "-config", str(config), "-level", "all", "-json",
                               str(Path(os.path.abspath(db_path)))], timeout=60)
    if done.returncode != 0:
        reason = engine_error(done.stderr or done.stdout)
        if dest["kind"] == "folder" and not Path(dest["path"]).exists():
            return 0
        raise AppError(worded_unreachable(dest, reason))
    # Litestream may log a line (e.g. an SFTP host key warning) before its JSON.
    text = done.stdout or ""
    start = text.find("\n[") + 1 if not text.startswith("[") else 0
    try:
        files = json.loads(text[start:] or "[]") or []
    except ValueError as exc:  # never taken for an empty replica: that would let two computers write
        raise AppError(f"The replica at {url_of(dest)} could not be read (Litestream answered: "
                       f"{engine_error(text)[:200]}).") from exc
    return max((int(f["max_txid"], 16) for f in files if f.get("max_txid")), default=0)


# --- this computer's position on each replica ---------------------------------------------------------


def load_state(db_path: Path) -> dict:
    try:
        return json.loads(state_path(db_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_state(db_path: Path, state: dict) -> None:
    write_private(state_path(db_path), json.dumps(state, indent=2) + "\n")


def record_position(db_path: Path, dest: dict, txid: int) -> None:
    state = load_state(db_path)
    state[dest["name"]] = {"url": url_of(dest), "txid": f"{txid:016x}",
                           "at": datetime.now(UTC).isoformat(timespec="seconds")}
    save_state(db_path, state)


def local_position(db_path: Path, dest: dict) -> int | None:
    """The newest transaction this computer wrote to or restored from the replica, None if never."""
    entry = load_state(db_path).get(dest["name"])
    recorded = None
    if isinstance(entry, dict) and entry.get("url") == url_of(dest):
        try:
            recorded = int(entry["txid"], 16)
        except (KeyError, TypeError, ValueError):
            recorded = None
    # Litestream's own files beside the database name what it made here (an upload may have
    # happened just before the app was killed, before the state file heard of it).
    meta = db_path.with_name(f".{db_path.name}-litestream") / "ltx" / "0"
    made = [int(m[1], 16) for p in (meta.iterdir() if meta.is_dir() else [])
            if (m := re.fullmatch(r"[0-9a-f]{16}-([0-9a-f]{16})\.ltx", p.name))]
    return None if recorded is None else max([recorded, *made])


def take_over(db_path: Path, dest: dict) -> dict:
    """Make this computer the replica's writer: what is here replaces the replica's newer changes
    from the next start of replication on (the other computer then refuses to write to it)."""
    txid = replica_position(db_path, dest)
    record_position(db_path, dest, txid)
    return {"replica": url_of(dest), "position": f"{txid:016x}"}


# --- restore ------------------------------------------------------------------------------------------


def parse_moment(text: str) -> datetime:
    """'2026-12-03 18:00' (local time) or an ISO moment, as an aware datetime."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("T", " "))
    except ValueError:
        raise InvalidInput(f"{text!r} is not a moment like 2026-12-03 18:00.") from None
    return moment if moment.tzinfo else moment.astimezone()


def restore_from_replica(dest: dict, target_path: Path, at: str | datetime | None = None,
                         lock: AbstractContextManager | None = None) -> dict:
    """Restore the replica (its latest state, or as it was at `at`) over `target_path`.

    Litestream restores into a temporary file beside the target; that file then goes through the
    same checks as any restore (tracker.backups.restore_backup: this app's file, exact schema,
    integrity) before it replaces anything, and what was there is kept as a named backup first.
    """
    from tracker.backups import restore_backup

    target_path = Path(os.path.abspath(target_path))
    target_path.parent.mkdir(parents=True, exist_ok=True)
    moment = parse_moment(at) if isinstance(at, str) else at
    txid = replica_position(target_path, dest)
    if txid == 0:
        raise NotFound(f"The replica at {url_of(dest)} holds no copy yet; nothing was restored.")
    with tempfile.TemporaryDirectory(prefix=f".{target_path.name}.replica-", dir=target_path.parent) as folder:
        config = write_litestream_config(target_path, dest, Intervals(), Path(folder) / "litestream.yml")
        restored = Path(folder) / "restored.db"
        args = ["restore", "-no-expand-env", "-config", str(config), "-o", str(restored)]
        if moment is not None:
            args += ["-timestamp", moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")]
        done = run_litestream([*args, str(target_path)], timeout=600)
        if done.returncode != 0 or not restored.is_file():
            reason = engine_error(done.stderr or done.stdout)
            if moment is not None and ("no matching" in reason.lower() or "not found" in reason.lower()):
                raise NotFound(f"The replica at {url_of(dest)} holds nothing as early as {at}; nothing was restored.")
            raise AppError(f"The replica at {url_of(dest)} could not be restored ({short_reason(reason)}); "
                           "nothing was restored.")
        result = restore_backup(target_path, restored, lock)
    record_position(target_path, dest, txid)
    result["restored"] = url_of(dest)
    return result


def position_verdict(db_path: Path, dest: dict) -> tuple[str, str, int]:
    """("ok" | "unreachable" | "moved-on", in words, the replica's position): may this computer write to it?"""
    try:
        remote = replica_position(db_path, dest)
    except AppError as exc:
        return "unreachable", str(exc), 0
    ours = local_position(db_path, dest)
    if remote == 0 or (ours is not None and remote <= ours) or (ours is None and not db_path.exists()):
        return "ok", f"The replica at {url_of(dest)} is this computer's to write to.", remote
    if ours is None:
        said = (f"The replica at {url_of(dest)} already holds expenses written from another computer, so this "
                "one does not write to it. Restore from it to use that data (what is here is kept as a "
                "backup first), or take over to replace it with what is here.")
    else:
        said = (f"The replica at {url_of(dest)} has changes made on another computer since this one last wrote "
                "to it, so this computer does not write to it. Restore from it to get the newer data (what "
                "is here is kept as a backup first), or take over to replace it with what is here.")
    return "moved-on", said, remote


# --- the supervisor -----------------------------------------------------------------------------------

INTERESTING = ('msg="ltx file uploaded"', 'msg="replica sync"', "level=ERROR", "level=WARN", "level=INFO")
LOG_FIELD = re.compile(r'([\w.]+)=("(?:[^"\\]|\\.)*"|\S+)')


def log_fields(line: str) -> dict[str, str]:
    return {key: value[1:-1].replace('\\"', '"') if value.startswith('"') else value
            for key, value in LOG_FIELD.findall(line)}


@dataclass
class ReplicaStatus:
    state: str = "off"  # off | starting | replicating | behind | unreachable | moved-on | stopped | failed
    message: str = "Replication is off."
    last_replicated: float | None = None  # time.time() of the last moment the replica was current
    behind_since: float | None = None
    replica_txid: int = 0
    db_txid: int = 0
    restarts: int = 0
    errors: list[str] = field(default_factory=list)


class ReplicaSupervisor:
    """Runs `litestream replicate` for the database's destination while the app runs.

    `start()` checks first that the replica did not move on without this computer; then the child
    runs, is restarted with growing pauses if it dies, and `stop()` ends it (SIGTERM, a wait, then
    a kill). `status()` says how it stands in words. `paused()` stops it around a restore.
    """

    def __init__(self, db_path: Path, intervals: Intervals | None = None):
        self.db_path = Path(os.path.abspath(db_path))
        self.intervals = intervals or Intervals()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.proc: subprocess.Popen | None = None
        self.thread: threading.Thread | None = None
        self.dest: dict | None = None
        self._status = ReplicaStatus()
        # Each start() is a new generation: a thread of an earlier one (still waiting for a slow
        # replica's answer when it was stopped) ends instead of starting a second child.
        self.generation = 0
        self.recent: deque[str] = deque(maxlen=200)  # Litestream's last lines that mattered, for a bug report

    # -- control --

    def start(self) -> "ReplicaSupervisor":
        destinations = load_destinations(self.db_path)
        if not destinations:
            self._set(state="off", message="Replication is off.")
            return self
        self.dest = destinations[0]
        with self.lock:
            self.generation += 1
            self.stopping.clear()
        self._set(state="starting", message=f"Starting replication to {url_of(self.dest)}.")
        self.thread = threading.Thread(target=self._run, args=(self.generation,), name="replica", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._end_child()
        if self.thread is not None and self.thread is not threading.current_thread():
            # Not longer: a thread still asking an unreachable replica ends by itself (see generation).
            self.thread.join(STOP_WAIT_S + 1)
        self.thread = None
        if self.dest is not None and self._status.state not in ("moved-on",):
            self._set(state="stopped", message=f"Replication to {url_of(self.dest)} is stopped.")

    def restart(self) -> None:
        self.stop()
        self.start()

    @contextmanager
    def paused(self, force: bool = False) -> Iterator[None]:
        """Replication stopped around a restore; started again after if it ran (or with `force`):
        Litestream then sees the new contents and sends a new snapshot, so the replica follows."""
        running = self.thread is not None or force
        self.stop()
        try:
            yield
        finally:
            if running:
                self.start()

    # -- the loop --

    def _current_generation(self, generation: int) -> bool:
        return generation == self.generation and not self.stopping.is_set()

    def _run(self, generation: int) -> None:
        attempt = 0
        checked = False
        while self._current_generation(generation):
            if not checked:
                checked = self._check_position(generation)
                if not self._current_generation(generation):
                    return
                if self._status.state == "moved-on":
                    return
                if not checked:
                    self.stopping.wait(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)])
                    attempt += 1
                    continue
            started = time.monotonic()
            code = self._run_child(generation)
            if not self._current_generation(generation):
                return
            if time.monotonic() - started > 60:
                attempt = 0  # it ran a good while: start counting anew
            with self.lock:
                self._status.restarts += 1
                reason = self._status.errors[-1] if self._status.errors else f"it stopped with code {code}"
            log.warning("Litestream stopped (%s); starting it again.", reason)
            if self._status.state not in ("unreachable",):
                self._set(state="failed", message=f"Replication to {url_of(self.dest)} stopped ({reason}); "
                          "starting it again.")
            self.stopping.wait(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)])
            attempt += 1

    def _check_position(self, generation: int) -> bool:
        """Whether this computer may write to the replica; sets the status when it may not."""
        state, said, remote = position_verdict(self.db_path, self.dest)
        if state == "ok" or not self._current_generation(generation):
            return state == "ok"
        if state == "moved-on":
            log.warning("%s", said)
        self._set(state=state, message=said, replica_txid=remote)
        return False

    def _run_child(self, generation: int) -> int:
        config = write_litestream_config(self.db_path, self.dest, self.intervals)
        try:
            binary = find_binary()
        except AppError as exc:
            self._set(state="failed", message=str(exc))
            self.stopping.wait(30)
            return -1
        kwargs = {}
        if sys.platform.startswith("linux"):
            kwargs["preexec_fn"] = die_with_parent
        with self.lock:
            if not self._current_generation(generation):
                return 0
            self.proc = proc = subprocess.Popen(
                [str(binary), "replicate", "-no-expand-env", "-log-level", "debug", "-config", str(config)],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                errors="replace", env=child_env(), **kwargs)
        if self._status.state in ("starting", "failed", "stopped"):
            self._set(state="replicating", message=f"Replicating to {url_of(self.dest)}.")
        for line in proc.stdout:
            self._read(line)
        return proc.wait()

    def _end_child(self) -> None:
        with self.lock:
            proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        # Litestream sends what it has, then exits; with the replica unreachable it keeps trying for
        # 30 s, and a second signal tells it to give up (the changes are safe in the local file).
        for send, wait in ((proc.terminate, STOP_WAIT_S / 2), (proc.terminate, STOP_WAIT_S / 2), (proc.kill, None)):
            send()
            try:
                proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    # -- reading Litestream's log --

    def _read(self, line: str) -> None:
        # Debug level, for the uploads and positions; only the few lines that matter are parsed.
        if not any(mark in line for mark in INTERESTING):
            return
        self.recent.append(line.rstrip("\n"))
        fields = log_fields(line)
        msg, level = fields.get("msg", ""), fields.get("level", "")
        now = time.time()
        if msg == "ltx file uploaded":
            txid = int(fields.get("maxTXID", "0"), 16)
            with self.lock:
                s = self._status
                s.replica_txid = max(s.replica_txid, txid)
                current = s.replica_txid >= s.db_txid
            record_position(self.db_path, self.dest, txid)
            if current:
                self._current(now)
        elif msg == "replica sync":
            replica, db = int(fields.get("txid.replica", "0"), 16), int(fields.get("txid.db", "0"), 16)
            with self.lock:
                s = self._status
                s.replica_txid, s.db_txid = max(s.replica_txid, replica), db
                behind = s.replica_txid < db
                if behind and s.behind_since is None:
                    s.behind_since = now
            if not behind and self._status.state in ("replicating", "behind", "starting", "failed") \
                    and not self._status.errors:
                self._current(now)
        elif level in ("ERROR", "WARN") and "error" in fields:
            reason = fields["error"]
            with self.lock:
                self._status.errors = [*self._status.errors[-4:], short_reason(reason)]
            if "sftp host key not verified" in msg:
                return
            self._set(state="unreachable", message=worded_unreachable(self.dest, reason))
        elif msg == "snapshot complete" or msg == "compaction complete":
            pass

    def _current(self, now: float) -> None:
        with self.lock:
            s = self._status
            s.last_replicated, s.behind_since, s.errors = now, None, []
            s.state = "replicating"
            s.message = f"Replicating to {url_of(self.dest)}; the copy is current."

    def _set(self, **changes) -> None:
        with self.lock:
            for key, value in changes.items():
                setattr(self._status, key, value)

    # -- what the app shows --

    def status(self) -> dict:
        with self.lock:
            s = self._status
            now = time.time()
            if s.state == "replicating" and s.behind_since is not None and now - s.behind_since > 5:
                message = f"Replicating to {url_of(self.dest)}; the copy is {now - s.behind_since:.0f} s behind."
            else:
                message = s.message
            if s.behind_since is not None:
                lag = round(now - s.behind_since, 1)
            else:  # unreachable before anything was sent: how far behind is not known
                lag = 0.0 if s.state in ("replicating", "behind") else None
            last = (datetime.fromtimestamp(s.last_replicated, UTC).isoformat(timespec="seconds")
                    if s.last_replicated else None)
            return {
                "state": s.state,
                "message": message,
                "last_replicated_at": last,
                "lag_seconds": lag if s.state in ("replicating", "behind", "unreachable") else None,
                "restarts": s.restarts,
                "can_take_over": s.state == "moved-on",
                "can_restore": s.state == "moved-on",
            }


def status_without_supervisor(db_path: Path) -> dict:
    """For the command line: what is configured and where this computer last stood on it."""
    destinations = load_destinations(db_path)
    state = load_state(db_path)
    result = []
    for dest in destinations:
        entry = state.get(dest["name"]) or {}
        result.append({**masked(dest), "last_written_at": entry.get("at"), "position": entry.get("txid")})
    return {"destinations": result}
