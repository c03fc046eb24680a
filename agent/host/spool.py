"""`FinishSpool`: finish reports and their evidence on disk until the controller has them.

A result is written here *before* the first attempt to send it and removed only after the
controller acknowledged it (200, or 409: it had already decided), so neither a controller
outage nor a crash of the agent loses it; a new agent process resends what it finds.

Layout, one folder per report (the folder appears atomically, by rename)::

    outbox/<ns-timestamp>-<job id>/finish.json     {"job_id", "evidence": [names], "report"}
    outbox/<ns-timestamp>-<job id>/<evidence>.png
    outbox/rejected/<...>/                         refused for good (kept for a person)
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from farm_protocol.agent_api import FinishReport

REPORT_FILE = "finish.json"
REJECTED = "rejected"


@dataclass(frozen=True)
class SpooledFinish:
    """One finish report waiting in the spool.

    Attributes:
        job_id: the job it finishes.
        path: its folder.
        report: the report, with evidence named by file name only.
        evidence: the evidence images, in the order they were taken.
    """

    job_id: str
    path: Path
    report: FinishReport
    evidence: tuple[Path, ...]


class FinishSpool:
    """A folder of finish reports not yet acknowledged.

    Args:
        root: the spool folder (created when missing).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def put(self, job_id: str, report: FinishReport, evidence: Sequence[Path]) -> SpooledFinish:
        """Move `evidence` into a new spool entry with `report`, durably.

        Evidence paths in the report (per step and for the whole flow) are replaced by the
        file names they are uploaded under.
        """
        staging = self.root / f".staging-{uuid.uuid4().hex}"
        staging.mkdir()
        names: dict[str, str] = {}
        for source in evidence:
            if str(source) in names or not source.is_file():
                continue
            name = _unique_name(staging, source.name)
            _move(source, staging / name)
            names[str(source)] = name
        report = _renamed(report, names)
        body = json.dumps(
            {
                "job_id": job_id,
                "evidence": list(names.values()),
                "report": report.model_dump(mode="json"),
            }
        )
        report_path = staging / REPORT_FILE
        with report_path.open("w", encoding="utf-8") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        final = self.root / f"{time.time_ns():020d}-{job_id}"
        staging.rename(final)
        return SpooledFinish(job_id, final, report, tuple(final / n for n in names.values()))

    def pending(self) -> list[SpooledFinish]:
        """Every complete entry, oldest first (half-written staging folders are skipped)."""
        entries = []
        for path in sorted(self.root.iterdir()):
            if path.name.startswith(".") or path.name == REJECTED or not path.is_dir():
                continue
            entry = self._load(path)
            if entry is not None:
                entries.append(entry)
        return entries

    def remove(self, entry: SpooledFinish) -> None:
        """The controller has the report: delete the entry."""
        shutil.rmtree(entry.path, ignore_errors=True)

    def set_aside(self, entry: SpooledFinish, reason: str) -> Path:
        """The controller refused the report for good: keep it for a person, stop resending.

        Returns:
            The entry's new folder.
        """
        target = self.root / REJECTED / entry.path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        entry.path.rename(target)
        (target / "reason.txt").write_text(reason + "\n", encoding="utf-8")
        return target

    def clear_staging(self) -> None:
        """Delete staging folders a crashed process left behind (their job's lease expires,
        so the controller learns nothing was reported and checks the phone)."""
        for path in self.root.glob(".staging-*"):
            shutil.rmtree(path, ignore_errors=True)

    @staticmethod
    def _load(path: Path) -> SpooledFinish | None:
        try:
            data = json.loads((path / REPORT_FILE).read_text(encoding="utf-8"))
            report = FinishReport.model_validate(data["report"])
            job_id = str(data["job_id"])
            names = [str(name) for name in data.get("evidence", [])]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        evidence = tuple(path / name for name in names if (path / name).is_file())
        return SpooledFinish(job_id, path, report, evidence)


def _renamed(report: FinishReport, names: dict[str, str]) -> FinishReport:
    def rename(paths: list[str]) -> list[str]:
        return [names.get(p, Path(p).name) for p in paths if p]

    result = report.result.model_copy(
        update={
            "evidence": rename(report.result.evidence),
            "steps": [
                step.model_copy(update={"evidence": rename(step.evidence)})
                for step in report.result.steps
            ],
        }
    )
    return report.model_copy(update={"result": result})


def _unique_name(folder: Path, name: str) -> str:
    if name == REPORT_FILE or (folder / name).exists():
        stem, dot, suffix = name.rpartition(".")
        base = stem if dot else name
        ext = f".{suffix}" if dot else ""
        n = 2
        while (folder / f"{base}-{n}{ext}").exists():
            n += 1
        return f"{base}-{n}{ext}"
    return name


def _move(source: Path, target: Path) -> None:
    try:
        source.replace(target)
    except OSError:  # another file system
        shutil.copy2(source, target)
        source.unlink(missing_ok=True)
