"""A Go toolchain for machines without one, fetched from the Go module proxy and checked against the
checksum database (both served by the proxy), the way ``go`` itself fetches newer toolchains.
"""

from __future__ import annotations

import base64
import hashlib
import os
import platform
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from rmjob.errors import UserError
from sim.paths import cache_root

GO_VERSION = "1.26.8"  # fetched only where no go command exists; >= every wrapper module's `go` line
TOOLCHAIN_MODULE = "golang.org/toolchain"
ARCHES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def proxy_url() -> str:
    """The first HTTP(S) proxy of GOPROXY (default: proxy.golang.org)."""
    for entry in os.environ.get("GOPROXY", "https://proxy.golang.org").replace("|", ",").split(","):
        if entry.startswith(("https://", "http://")):
            return entry.rstrip("/")
    raise UserError("GOPROXY names no HTTP proxy to fetch Go from; install Go >= 1.24 yourself")


def hash1(zip_path: Path) -> str:
    """The ``h1:`` hash of a module zip, as go.sum and sum.golang.org record it (golang.org/x/mod dirhash)."""
    summary = hashlib.sha256()
    with zipfile.ZipFile(zip_path) as archive:
        for name in sorted(archive.namelist()):
            if "\n" in name:
                raise UserError(f"{zip_path}: a file name with a newline; refusing it")
            summary.update(f"{hashlib.sha256(archive.read(name)).hexdigest()}  {name}\n".encode())
    return "h1:" + base64.b64encode(summary.digest()).decode()


def _get(url: str, destination: Path | None = None) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            if destination is None:
                data: bytes = response.read()
                return data
            with destination.open("wb") as out:
                shutil.copyfileobj(response, out)
            return b""
    except (urllib.error.URLError, OSError) as error:
        raise UserError(
            f"the go command is not installed and fetching Go {GO_VERSION} from {url} failed ({error}); "
            "install Go >= 1.24 (https://go.dev/dl/) and run again"
        ) from None


def fetch_go() -> Path:
    """The ``go`` binary of Go ``GO_VERSION`` under the cache, fetched on first use."""
    arch = ARCHES.get(platform.machine().lower())
    if platform.system() != "Linux" or arch is None:
        where = f"{platform.system()}/{platform.machine()}"
        raise UserError(f"the go command is not installed; install Go >= 1.24 for {where}")
    target = cache_root() / f"go-{GO_VERSION}"
    go = target / "bin" / "go"
    if go.is_file():
        return go
    version = f"v0.0.1-go{GO_VERSION}.linux-{arch}"
    proxy = proxy_url()
    lookup = _get(f"{proxy}/sumdb/sum.golang.org/lookup/{TOOLCHAIN_MODULE}@{version}").decode()
    expected = next(
        (
            line.split()[2]
            for line in lookup.splitlines()
            if line.startswith(f"{TOOLCHAIN_MODULE} {version} h1:")
        ),
        None,
    )
    if expected is None:
        raise UserError(
            f"the checksum database has no entry for {TOOLCHAIN_MODULE}@{version}; install Go yourself"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".go-fetch-") as scratch:
        zip_path = Path(scratch) / "go.zip"
        _get(f"{proxy}/{TOOLCHAIN_MODULE}/@v/{version}.zip", zip_path)
        if hash1(zip_path) != expected:
            raise UserError(
                f"the Go {GO_VERSION} download does not match the checksum database; not using it"
            )
        unpacked = Path(scratch) / "go"
        prefix = f"{TOOLCHAIN_MODULE}@{version}/"
        with zipfile.ZipFile(zip_path) as archive:
            for info in archive.infolist():
                if not info.filename.startswith(prefix) or info.is_dir():
                    continue
                path = unpacked / info.filename[len(prefix) :]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(archive.read(info))
                path.chmod((info.external_attr >> 16) & 0o777 or 0o644)
        os.replace(unpacked, target)
    return go
