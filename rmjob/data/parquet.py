"""Writing a set of parquet files atomically.

Rows stream into hidden temp files next to their targets; only when every file is complete are they
renamed into place (one ``os.replace`` each). An error, Ctrl-C or SIGTERM on the way removes the temp
files and leaves any earlier output untouched, so a half-written parquet never appears under its real
name; temp files a killed run (SIGKILL, power loss) left behind are removed by the next run. A target
that cannot be written (a path below a file, a read-only or full file system) is one ``UserError``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from rmjob.errors import UserError
from rmjob.pids import pid_alive

TEMP_MARK = ".tmp-"
# Parquet codecs `rmjob data helpsteer2 --compression` offers. Uncompressed by default: it saves a
# quarter of a conversion's CPU time (measured on full-size HelpSteer2: 0.92 s instead of 1.11 s) and
# verl reads the files once at start-up; the files are ~2.6x larger than with snappy (140 MB for the
# pointwise pair). zstd makes the smallest files (~45% below snappy) and takes ~20% longer than snappy.
COMPRESSIONS = ("none", "snappy", "zstd")
DEFAULT_COMPRESSION = "none"
# What pyarrow.parquet.ParquetWriter passes by default (pyarrow/parquet/core.py).
PARQUET_VERSION = "2.6"
DATA_PAGE_VERSION = "1.0"
WRITER_ENGINE_VERSION = "V2"
DICTIONARY_COLUMNS = [
    "data_source",
    "ability",
    "reward_model.style",
    "reward_model.ground_truth",
    "extra_info.split",
    "extra_info.source_file",
    "extra_info.source_split",
]


class Terminated(SystemExit):
    """SIGTERM turned into an exception, so ``finally`` blocks clean up; exits 143 like the signal."""


def _parquet_writer_class() -> Any:
    """pyarrow's own parquet writer (``pyarrow._parquet.ParquetWriter``).

    ``pyarrow.parquet.ParquetWriter`` wraps it to open the file through a filesystem; importing
    ``pyarrow.parquet`` loads ``pyarrow.fs`` with its S3, GCS, Azure and HDFS bindings and ssl (about
    10 ms of a 0.45 s full-size conversion), for local files this writer opens itself. Given the same
    options as the wrapper passes (pyarrow/parquet/core.py), it writes the same bytes (a test pins it).
    """
    try:
        from pyarrow._parquet import ParquetWriter
    except ImportError:
        raise UserError("writing parquet needs pyarrow: pip install 'rmjob[data]'") from None
    return ParquetWriter


def temp_path(target: Path, pid: int | None = None) -> Path:
    """The hidden file a target is written to: ``.<name>.tmp-<pid>`` beside it."""
    return target.with_name(f".{target.name}{TEMP_MARK}{os.getpid() if pid is None else pid}")


def remove_stale_temps(target: Path) -> None:
    """Remove temp files of ``target`` left by runs that no longer exist (a live run's are kept)."""
    with contextlib.suppress(OSError):
        for path in target.parent.glob(f".{target.name}{TEMP_MARK}*"):
            pid = path.name.rpartition(TEMP_MARK)[2]
            if not pid.isdigit() or not _alive(int(pid)):
                with contextlib.suppress(OSError):
                    path.unlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # an earlier set in this process that did not clean up: nothing writes it now
    return pid_alive(pid)


def cannot_write(path: Path, exc: OSError) -> UserError:
    reason = exc.strerror or str(exc)
    return UserError(f"cannot write {path}: {reason}; pass an --out directory you can write to")


class AtomicParquetSet:
    """``with AtomicParquetSet({"train": path, ...}, schema) as out: out.write_batches({"train": batch})``."""

    def __init__(
        self, targets: Mapping[str, Path], schema: Any, compression: str = DEFAULT_COMPRESSION
    ) -> None:
        self.writer_class = _parquet_writer_class()
        self.schema = schema
        self.compression = compression
        self.targets = dict(targets)
        self.temps = {key: temp_path(path) for key, path in targets.items()}
        self.writers: dict[str, Any] = {}
        # Encoding, compressing and writing a batch releases the GIL: one writer thread overlaps it
        # with building the next block. One block's batches in flight at a time keep memory flat.
        self.io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet-writer")
        self.in_flight: Future[None] | None = None
        self.previous_sigterm: Any = None

    def __enter__(self) -> AtomicParquetSet:
        if threading.current_thread() is threading.main_thread():
            self.previous_sigterm = signal.signal(signal.SIGTERM, _raise_terminated)
        try:
            self._open()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def _open(self) -> None:
        for key, temp in self.temps.items():
            try:
                temp.parent.mkdir(parents=True, exist_ok=True)
                remove_stale_temps(self.targets[key])
                # Dictionary encoding and statistics only pay off on the short label columns, not on
                # the long text columns (measured: about 40% of the write time for nothing).
                self.writers[key] = self.writer_class(
                    str(temp),
                    self.schema,
                    version=PARQUET_VERSION,
                    data_page_version=DATA_PAGE_VERSION,
                    writer_engine_version=WRITER_ENGINE_VERSION,
                    compression=self.compression,
                    use_dictionary=DICTIONARY_COLUMNS,
                    write_statistics=False,
                )
            except OSError as exc:
                raise cannot_write(self.targets[key], exc) from None

    def write_batches(self, batches: Mapping[str, Any]) -> None:
        """Queue record batches of the schema (``extra_info.index`` already set), one per key.

        All of them go in one trip to the writer thread: waiting for one key's batch before queueing
        the next key's would leave the building thread idle (measured: a quarter of the run).
        """
        self._wait()
        self.in_flight = self.io.submit(self._write, dict(batches))

    def _write(self, batches: Mapping[str, Any]) -> None:
        import pyarrow as pa

        for key, batch in batches.items():
            self.writers[key].write_table(pa.Table.from_batches([batch]))

    def _wait(self) -> None:
        """Finish the batch in flight; its error, if any, surfaces here."""
        in_flight, self.in_flight = self.in_flight, None
        if in_flight is not None:
            try:
                in_flight.result()
            except OSError as exc:
                raise cannot_write(self.temps_dir, exc) from None

    @property
    def temps_dir(self) -> Path:
        return next(iter(self.temps.values())).parent

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        complete = exc_type is None
        try:
            if complete:
                self._wait()
                self.io.shutdown(wait=True)
                self._close_writers()
                self._replace()
        except BaseException:
            complete = False
            raise
        finally:
            if not complete:
                self._discard()
            if self.previous_sigterm is not None:
                signal.signal(signal.SIGTERM, self.previous_sigterm)
                self.previous_sigterm = None

    def _close_writers(self) -> None:
        for key, writer in list(self.writers.items()):
            try:
                writer.close()  # writes the footer: a full disk shows here
            except OSError as exc:
                raise cannot_write(self.targets[key], exc) from None
            del self.writers[key]

    def _replace(self) -> None:
        for key, temp in self.temps.items():
            try:
                os.replace(temp, self.targets[key])
            except OSError as exc:
                raise cannot_write(self.targets[key], exc) from None

    def _discard(self) -> None:
        """Best effort: the error that brought us here is the one to report, never a second one."""
        self.io.shutdown(wait=True, cancel_futures=True)
        for writer in self.writers.values():
            with contextlib.suppress(Exception):
                writer.close()
        self.writers.clear()
        for temp in self.temps.values():
            with contextlib.suppress(OSError):
                temp.unlink(missing_ok=True)


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(128 + signum)
