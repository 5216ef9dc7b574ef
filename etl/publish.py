"""Publish the database with Datasette and ``metadata.yml``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from etl.errors import EtlError


def datasette_args(db: Path, metadata: Path | None, host: str, port: int) -> list[str]:
    if not db.exists():
        raise EtlError(f"{db}: no database yet; run `ogi load` (or `ogi build`) first")
    args = [sys.executable, "-m", "datasette", "serve", str(db), "--host", host,
            "--port", str(port), "--setting", "sql_time_limit_ms", "3000"]
    if metadata is not None:
        if not metadata.exists():
            raise EtlError(f"{metadata}: metadata file not found")
        args += ["--metadata", str(metadata)]
    return args


def serve(db: str | Path, metadata: str | Path | None = "metadata.yml",
          host: str = "127.0.0.1", port: int = 8001) -> int:
    """Run Datasette in the foreground until interrupted; return its exit status."""
    args = datasette_args(Path(db), Path(metadata) if metadata else None, host, port)
    try:
        return subprocess.call(args)
    except KeyboardInterrupt:
        return 0
