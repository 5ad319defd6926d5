"""A throw-away PostgreSQL cluster for the tests: `initdb` + `pg_ctl` in a temp dir on a
free localhost port, password (scram) auth, fsync off. Stopped (`-m immediate`) and
removed when the test session ends.

Debian's `postgresql` package (`make sysdeps`) puts the server binaries in
`/usr/lib/postgresql/<version>/bin`, off PATH: the newest one there is used (else
`initdb` on PATH). initdb refuses to run as root: as root the cluster runs as the
`postgres` system user, in a temp dir it owns.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

SERVER_BINARIES = Path("/usr/lib/postgresql")
SUPERUSER = "ictbench_test_admin"


def find_bin_dir() -> Path | None:
    """The newest `/usr/lib/postgresql/<version>/bin` with initdb, else initdb's on PATH."""
    candidates = [p for p in SERVER_BINARIES.glob("*/bin") if (p / "initdb").is_file()]

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path.parent.name)) or (0,)

    if candidates:
        return max(candidates, key=version)
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PgCluster:
    bin_dir: Path
    base: Path  # the temp dir: data/, the socket, server.log
    port: int
    password: str  # the superuser's
    run_as: str | None  # system user the server runs as (None: this process's user)

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def log_file(self) -> Path:
        return self.base / "server.log"

    def url(
        self, user: str = SUPERUSER, password: str | None = None, dbname: str = "postgres"
    ) -> str:
        secret = self.password if password is None and user == SUPERUSER else password
        auth = quote(user, safe="") + (f":{quote(secret, safe='')}" if secret else "")
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.base,
            env=os.environ | {"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"},
        )
        if completed.returncode != 0:
            log = (
                self.log_file.read_text(errors="replace")[-3000:] if self.log_file.exists() else ""
            )
            raise RuntimeError(
                f"{args[0]} failed ({completed.returncode}): {completed.stderr.strip()}\n{log}"
            )
        return completed

    def init(self) -> None:
        password_file = self.base / "superuser.pw"
        password_file.write_text(self.password + "\n")
        self._chown(password_file)
        try:
            self._run(
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            )
        finally:
            password_file.unlink(missing_ok=True)

    def start(self) -> None:
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.base}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=50",
            ]
        )
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run(
                "pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop", timeout=60
            )
        shutil.rmtree(self.base, ignore_errors=True)

    def _chown(self, path: Path) -> None:
        if self.run_as:
            user = pwd.getpwnam(self.run_as)
            os.chown(path, user.pw_uid, user.pw_gid)


def start_cluster() -> PgCluster:
    """initdb and start a cluster; the caller stops it (`PgCluster.stop`)."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError(
            "no PostgreSQL server binaries (initdb) in /usr/lib/postgresql/*/bin or on PATH; "
            "install Debian's postgresql package (make sysdeps)"
        )
    run_as = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError("running as root, but there is no `postgres` system user") from None
        run_as = "postgres"
    base = Path(tempfile.mkdtemp(prefix="ictbench-pg-"))
    cluster = PgCluster(bin_dir, base, free_port(), secrets.token_urlsafe(18), run_as)
    try:
        cluster._chown(base)
        cluster.init()
        for attempt in range(3):  # the free port may be taken between probe and start
            try:
                cluster.start()
                break
            except RuntimeError:
                if attempt == 2:
                    raise
                cluster.port = free_port()
                time.sleep(0.2)
    except BaseException:
        cluster.stop()
        raise
    return cluster
