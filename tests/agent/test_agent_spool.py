"""The finish spool: reports and evidence on disk until acknowledged, across restarts."""

from __future__ import annotations

from pathlib import Path

from agent.host.spool import FinishSpool
from farm_protocol.agent_api import FinishReport
from farm_protocol.flow import FlowOutcome, FlowResult, StepResult, StepStatus


def _report(evidence: list[Path]) -> FinishReport:
    step = StepResult(
        index=0,
        name="verify",
        action="verify_post",
        status=StepStatus.OK,
        duration_ms=1.0,
        evidence=[str(evidence[0])],
    )
    result = FlowResult(
        flow="publish_post",
        serial="sim-1",
        outcome=FlowOutcome.SUCCEEDED,
        steps=[step],
        duration_ms=1.0,
        evidence=[str(p) for p in evidence],
    )
    return FinishReport(worker="sim-1@abc", result=result)


def _evidence(folder: Path, *names: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = folder / name
        path.write_bytes(b"\x89PNG fake " + name.encode())
        paths.append(path)
    return paths


def test_put_moves_evidence_in_and_names_it_by_file_name(tmp_path: Path) -> None:
    spool = FinishSpool(tmp_path / "outbox")
    evidence = _evidence(tmp_path / "job", "a.png", "b.png")
    entry = spool.put("job-1", _report(evidence), evidence)
    assert not any(p.exists() for p in evidence), "evidence is moved, not copied"
    assert [p.name for p in entry.evidence] == ["a.png", "b.png"]
    assert all(p.is_file() and p.parent == entry.path for p in entry.evidence)
    assert entry.report.result.evidence == ["a.png", "b.png"]
    assert entry.report.result.steps[0].evidence == ["a.png"]


def test_entries_survive_a_new_process_in_order_and_go_once_removed(tmp_path: Path) -> None:
    first = FinishSpool(tmp_path / "outbox")
    one = first.put("job-1", _report(_evidence(tmp_path / "1", "x.png")), [tmp_path / "1/x.png"])
    first.put("job-2", _report(_evidence(tmp_path / "2", "y.png")), [tmp_path / "2/y.png"])

    again = FinishSpool(tmp_path / "outbox")  # the agent restarted
    pending = again.pending()
    assert [e.job_id for e in pending] == ["job-1", "job-2"]
    assert pending[0].report == one.report
    assert [p.read_bytes() for p in pending[0].evidence] == [b"\x89PNG fake x.png"]

    again.remove(pending[0])
    assert [e.job_id for e in again.pending()] == ["job-2"]


def test_half_written_entries_are_ignored_and_cleared(tmp_path: Path) -> None:
    spool = FinishSpool(tmp_path / "outbox")
    staging = tmp_path / "outbox" / ".staging-dead"
    staging.mkdir()
    (staging / "finish.json").write_text("{")
    (tmp_path / "outbox" / "123-broken").mkdir()  # no report file at all
    assert spool.pending() == []
    spool.clear_staging()
    assert not staging.exists()


def test_refused_reports_are_set_aside_not_deleted(tmp_path: Path) -> None:
    spool = FinishSpool(tmp_path / "outbox")
    evidence = _evidence(tmp_path / "job", "a.png")
    entry = spool.put("job-1", _report(evidence), evidence)
    kept = spool.set_aside(entry, "HTTP 404: no such job")
    assert spool.pending() == []
    assert (kept / "finish.json").is_file()
    assert (kept / "a.png").is_file()
    assert "404" in (kept / "reason.txt").read_text()


def test_same_file_names_from_two_flows_do_not_overwrite_each_other(tmp_path: Path) -> None:
    spool = FinishSpool(tmp_path / "outbox")
    a = _evidence(tmp_path / "one", "shot.png")[0]
    b = _evidence(tmp_path / "two", "shot.png")[0]
    entry = spool.put("job-1", _report([a, b]), [a, b])
    assert [p.name for p in entry.evidence] == ["shot.png", "shot-2.png"]
    assert entry.report.result.evidence == ["shot.png", "shot-2.png"]
