"""Where a run's files are on a single box: the pods' mount paths mapped onto local directories.

In the cluster the data, checkpoint and model volumes are mounted at the platform's paths
(``/mnt/data``, ...) and rmjob is installed at the image's site-packages. A Ray head started on a
machine with ``ray start`` has neither: the same run reads ``<storage>/data``, ``<storage>/models``
and writes ``<storage>/checkpoints``, and verl loads our reward and dataset files from the rmjob
this virtualenv installed. Pure apart from reading the environment for the defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import rmjob
from rmjob.machine_cache import cache_root
from rmjob.platform import Platform, load_platform
from rmjob.schema import replace
from rmjob.spec import RunSpec

STORAGE_ENV = "RMJOB_RAY_STORAGE"
VOLUMES = ("data", "checkpoints", "models")


def default_storage() -> Path:
    return Path(os.environ.get(STORAGE_ENV) or cache_root() / "ray" / "storage")


def installed_site_packages() -> str:
    """The directory holding this rmjob package: what the head's python imports too."""
    return str(Path(rmjob.__file__).resolve().parents[1])


@dataclass(frozen=True)
class LocalLayout:
    storage: Path
    site_packages: str

    @classmethod
    def default(cls) -> LocalLayout:
        return cls(default_storage().resolve(), installed_site_packages())

    def volume(self, name: str) -> Path:
        return self.storage / name

    def platform(self, platform: Platform | None = None) -> Platform:
        platform = platform or load_platform()
        paths = replace(
            platform.paths,
            site_packages=self.site_packages,
            **{name: str(self.volume(name)) for name in VOLUMES},
        )
        return replace(platform, paths=paths)

    def local_path(self, path: str, platform: Platform | None = None) -> str:
        """A path under a volume's mount point, moved under the local volume; others unchanged."""
        paths = (platform or load_platform()).paths
        for name in VOLUMES:
            mount = getattr(paths, name).rstrip("/")
            if path == mount or path.startswith(mount + "/"):
                return str(self.volume(name)) + path[len(mount) :]
        return path

    def relocate(self, spec: RunSpec) -> RunSpec:
        """The spec with its model and data paths on the local volumes."""
        model = replace(spec.model, path=self.local_path(spec.model.path))
        data = replace(
            spec.data,
            train_files=[self.local_path(f) for f in spec.data.train_files],
            val_files=[self.local_path(f) for f in spec.data.val_files],
        )
        return replace(spec, model=model, data=data)
