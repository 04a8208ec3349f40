"""Backup folders as `wuyuan backup` writes them, made by hand for the restore and reconcile tests: a manifest with
every field, a dump file per service, and the platform's vhost and database prefix (the default platform's)."""

import json
from pathlib import Path
from typing import Any

from wuyuan.backup import FORMAT, MANIFEST
from wuyuan.backup_secrets import sha256_of

# The time just before the court's dump: 6 December 2026, 02:30:41 in Beijing.
BACKUP_TIME = "2026-12-05T18:30:41.250000+00:00"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def service_entry(
    folder: Path,
    service: str,
    *,
    db_prefix: str = "wuyuan_",
    time: str = BACKUP_TIME,
    secrets: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One service's entry, its dump written into `folder`."""
    dump = write(folder / f"{service}.dump", f"PGDMP {service}")
    return {
        "service": service,
        "database": f"{db_prefix}{service}",
        "server_version": "16.4",
        "client": "pg_dump 16",
        "migrations": ["0001_initial"],
        "dump": {"file": dump.name, "sha256": sha256_of(dump), "bytes": dump.stat().st_size},
        "secrets": secrets or [],
        "time": time,
    }


def write_manifest(folder: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    write(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False))
    return manifest


def backup_folder(
    folder: Path,
    *services: str,
    vhost: str = "wuyuan",
    db_prefix: str = "wuyuan_",
    scope: str | None = "all",
    **more: Any,
) -> dict[str, Any]:
    """A whole backup of these services in `folder`; returns its manifest."""
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": "2026-12-05T18:30:00.123456+00:00",
        "vhost": vhost,
        "db_prefix": db_prefix,
        "services": {service: service_entry(folder, service, db_prefix=db_prefix) for service in services},
        **more,
    }
    if scope is not None:
        manifest["scope"] = scope
    return write_manifest(folder, manifest)
