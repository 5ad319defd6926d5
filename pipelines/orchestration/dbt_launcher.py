"""`ictbench-dbt`: run dbt so that it dies with the process that started it.

dagster-dbt starts `dbt` with `subprocess.Popen`. If that process is killed (SIGKILL, OOM
killer) dbt lives on, still holding the build database's lock, and the next refresh
fails. This launcher is the `dbt_executable` dagster-dbt runs (pipelines/orchestration/assets/
transform.py): it asks Linux to SIGKILL it when its parent dies (prctl
PR_SET_PDEATHSIG, kept across execve) and then replaces itself with the dbt of this
environment, same arguments, same pid. (Elsewhere than Linux it only execs dbt.) It
answers `--version` itself, from the installed packages (see `installed_versions`).

The death signal fires when the *thread* that started the child exits. dagster-dbt
calls Popen from the thread that runs the op, which streams dbt's output until dbt has
exited, so that thread outlives dbt.

dbt runs in the warehouse (`run_in_warehouse`): its working directory is the warehouse and
the profile names the build database relative to it, so dbt's profile is the same for
every warehouse and a new warehouse starts from the parse `make setup` made.

A parent that died before prctl ran can no longer signal: the caller puts its pid in
`ICTBENCH_DBT_PARENT_PID` (see `parent_pid_env`), and the launcher exits instead of
starting dbt when its parent is no longer that process. Without the variable (dbt run
by hand through the launcher) only that check is skipped.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import sys
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from pipelines.settings import BUILD_DB, WAREHOUSE_VAR

PARENT_PID_VAR = "ICTBENCH_DBT_PARENT_PID"
# The build database as dbt_project/profiles.yml reads it (relative to dbt's working
# directory; unset, the profile takes the absolute path below ICTBENCH_WAREHOUSE).
DATABASE_VAR = "ICTBENCH_DBT_DATABASE"
LAUNCHER_NAME = "ictbench-dbt"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
ORPHANED_EXIT_CODE = 3


def real_dbt() -> str:
    """dbt of this interpreter's environment (the project's .venv), not whatever is on PATH."""
    beside_python = Path(sys.executable).parent / "dbt"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("dbt")
    if found is None:
        raise FileNotFoundError(f"no dbt beside {sys.executable} nor on PATH")
    return found


def die_with_parent() -> bool:
    """Ask the kernel to SIGKILL this process when its parent exits (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"prctl(PR_SET_PDEATHSIG): {os.strerror(errno)}")
    return True


def parent_is_gone(expected: str | None) -> bool:
    """True when the process that started us has already exited (we were re-parented)."""
    if not expected:
        return False
    return os.getppid() != int(expected)


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """`values` in os.environ while dbt is being started (dagster-dbt hands dbt a copy of
    os.environ); the previous values afterwards."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def parent_pid_env(values: Mapping[str, str] | None = None) -> AbstractContextManager[None]:
    """While dbt is being started: tell the launcher which process starts it (and set
    `values`, e.g. the editions of a build, for that dbt)."""
    return environment({**(values or {}), PARENT_PID_VAR: str(os.getpid())})


def installed_versions() -> str:
    """What `dbt --version` says of the installed packages, from their metadata: dagster-dbt
    asks once per run which dbt it drives. dbt's own answer imports dbt and asks PyPI for
    the latest release (~2 s, and a network request a refresh has no business making)."""
    from importlib.metadata import version

    return (
        f"Core:\n  - installed: {version('dbt-core')}\n\n"
        f"Plugins:\n  - duckdb: {version('dbt-duckdb')}\n"
    )


def run_in_warehouse() -> None:
    """dbt's working directory becomes the warehouse (`ICTBENCH_WAREHOUSE`), its build
    database a path relative to it (`DATABASE_VAR`), and its project the folder it was
    started in (unless `DBT_PROJECT_DIR` says; dagster-dbt sets it). dbt parses the
    project again whenever the profile differs, and the database's path is part of it:
    with an absolute path every new warehouse (each test, `make bench`, a bureau's second
    warehouse) parsed the whole project afresh (~2-3 s). Without a warehouse, or with
    the variable set already, nothing changes."""
    warehouse = os.environ.get(WAREHOUSE_VAR)
    if not warehouse or DATABASE_VAR in os.environ:
        return
    os.environ.setdefault("DBT_PROJECT_DIR", os.getcwd())
    os.environ[DATABASE_VAR] = str(BUILD_DB)
    os.makedirs(warehouse, exist_ok=True)
    os.chdir(warehouse)


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(installed_versions())
        return
    # dbt and whatever it starts must not see a pid that is not their parent's
    expected = os.environ.pop(PARENT_PID_VAR, None)
    die_with_parent()
    if parent_is_gone(expected):
        print(
            f"{LAUNCHER_NAME}: the process that started dbt (pid {expected}) has exited; "
            "not starting dbt",
            file=sys.stderr,
        )
        sys.exit(ORPHANED_EXIT_CODE)
    dbt = real_dbt()
    run_in_warehouse()
    # as subprocess.Popen leaves them for a child: Python ignores these, exec would keep that
    for name in ("SIGPIPE", "SIGXFSZ"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    os.execv(dbt, [dbt, *sys.argv[1:]])


if __name__ == "__main__":
    main()
