"""The scheduler's API: calendar, the composer's check, time slots and the next free slot,
CSV import/export; and the console's jobs list, review queue and charts."""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta
from typing import Any

import httpx
from controller_support import FakeAgent, create_account, submit_post, upload

from farm_controller.db import write_session
from farm_controller.models import Contact, Conversation, PostTarget
from farm_controller.posts.dispatch import dispatch_due
from farm_controller.posts.schedule_csv import _safe_cell, _unsafe_cell, read_rows, row_to_post
from farm_controller.runtime import Runtime
from farm_protocol.flow import FlowOutcome
from farm_protocol.posts import TargetState
from tests.helpers.clock import START, FakeClock
from tests.helpers.images import png

DAY = timedelta(days=1)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def calendar(client: httpx.Client, start: datetime, end: datetime, **extra: Any) -> dict[str, Any]:
    response = client.get(
        "/api/v1/calendar", params={"start": iso(start), "end": iso(end), **extra}
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_the_calendar_shows_stored_and_planned_occurrences(client: httpx.Client) -> None:
    a = create_account(client, "shop-a", "S1", timezone="Asia/Shanghai", tags=["north"])
    b = create_account(client, "shop-b", "S2", timezone="Asia/Shanghai", tags=["south"])
    media = upload(client, png())
    once = submit_post(
        client,
        text="once",
        account_ids=[a["id"], b["id"]],
        media_ids=[media["id"]],
        run_at=START + timedelta(hours=2),
    )
    assert once.status_code == 201, once.text
    daily = submit_post(
        client,
        text="every day",
        account_ids=[a["id"]],
        run_at=START + timedelta(hours=3),
        recurrence={"interval_seconds": 86400, "until": START + 10 * DAY},
    )
    assert daily.status_code == 201, daily.text
    week = calendar(client, START, START + 7 * DAY)
    entries = [(e["account_name"], e["state"], e["text"], e["at"]) for e in week["entries"]]
    assert entries[:3] == [
        ("shop-a", "scheduled", "once", "2030-01-01T11:00:00Z"),
        ("shop-b", "scheduled", "once", "2030-01-01T11:00:00Z"),
        ("shop-a", "scheduled", "every day", "2030-01-01T12:00:00Z"),
    ]
    planned = [e for e in week["entries"] if e["state"] == "planned"]
    assert len(planned) == 6 and all(e["target_id"] is None for e in planned)
    assert week["entries"][0]["image_count"] == 1 and week["entries"][0]["thumbnail_url"]
    assert week["truncated"] is False
    south = calendar(client, START, START + 7 * DAY, tag="south")
    assert {e["account_name"] for e in south["entries"]} == {"shop-b"}
    only_a = calendar(client, START, START + 7 * DAY, account_id=a["id"])
    assert len(only_a["entries"]) == 8


def test_calendar_ranges_are_checked(client: httpx.Client) -> None:
    for params, field in [
        ({"start": iso(START), "end": iso(START - DAY)}, "end"),
        ({"start": iso(START), "end": iso(START + 90 * DAY)}, "end"),
        ({"start": "2030-01-01T00:00:00", "end": iso(START)}, "start"),
        ({"end": iso(START)}, "start"),
    ]:
        response = client.get("/api/v1/calendar", params=params)
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["field"] == field


def test_check_reports_what_submitting_would_meet_and_stores_nothing(
    client: httpx.Client,
) -> None:
    quiet = create_account(
        client, "quiet", "S1", quiet_hours={"start": "22:00", "end": "08:00"}, daily_post_cap=1
    )
    busy = create_account(client, "busy", "S2", daily_post_cap=1)
    assert (
        submit_post(client, text="first", account_ids=[busy["id"]], run_at=START).status_code == 201
    )

    def check(**body: Any) -> dict[str, Any]:
        response = client.post("/api/v1/schedule/check", json=body)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    ok = check(text="hi", account_ids=[quiet["id"]], run_at=iso(START + timedelta(hours=1)))
    assert ok["ok"] is True and ok["occurrences"] == ["2030-01-01T10:00:00Z"]
    late = check(text="hi", account_ids=[quiet["id"]], run_at=iso(START.replace(hour=23)))
    assert not late["ok"] and late["errors"][0]["type"] == "quiet_hours"
    full = check(text="second", account_ids=[busy["id"]], run_at=iso(START + timedelta(hours=1)))
    assert [c["type"] for c in full["conflicts"]] == ["cap_reached"]
    twin = check(text="first", account_ids=[busy["id"]], run_at=iso(START + DAY))
    assert [c["type"] for c in twin["conflicts"]] == ["duplicate"]
    allowed = check(
        text="first", account_ids=[busy["id"]], run_at=iso(START + DAY), allow_duplicate=True
    )
    assert allowed["ok"] is True
    repeating = check(
        text="nightly",
        account_ids=[quiet["id"]],
        run_at=iso(START + timedelta(hours=1)),
        recurrence={"interval_seconds": 6 * 3600, "until": iso(START + 2 * DAY)},
    )
    assert repeating["ok"] is True and repeating["occurrence_count"] == 8
    kinds = sorted(w["type"] for w in repeating["warnings"])
    assert kinds == ["cap_reached", "quiet_hours"]
    bad = client.post("/api/v1/schedule/check", json={"text": "x", "account_ids": ["one"]})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "account_ids[0]"
    assert len(client.get("/api/v1/posts").json()) == 1


def test_time_slots_and_the_next_free_slot(client: httpx.Client, clock: FakeClock) -> None:
    # 09:00 UTC = 17:00 in Shanghai.
    a = create_account(client, "a", "S1", timezone="Asia/Shanghai", daily_post_cap=2)
    b = create_account(client, "b", "S2", timezone="UTC", daily_post_cap=5)
    bad = client.put(f"/api/v1/accounts/{a['id']}/slots", json={"slots": ["9:00", "25:00"]})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "slots[0]"
    saved = client.put(
        f"/api/v1/accounts/{a['id']}/slots", json={"slots": ["20:00", "18:00", "18:00"]}
    )
    assert saved.status_code == 200 and saved.json()["posting_slots"] == ["18:00", "20:00"]
    assert client.get(f"/api/v1/accounts/{a['id']}").json()["posting_slots"] == ["18:00", "20:00"]

    def next_slot(*ids: int) -> dict[str, Any]:
        response = client.post("/api/v1/schedule/next-slot", json={"account_ids": list(ids)})
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    assert next_slot(a["id"])["at"] == "2030-01-01T10:00:00Z"  # 18:00 Shanghai
    # Taken: a post at 18:10 local blocks the 18:00 slot.
    taken = submit_post(
        client, text="x", account_ids=[a["id"]], run_at=START + timedelta(hours=1, minutes=10)
    )
    assert taken.status_code == 201
    assert next_slot(a["id"])["at"] == "2030-01-01T12:00:00Z"  # 20:00 Shanghai
    # A full day (cap 2) moves it to tomorrow's first slot.
    assert submit_post(client, text="y", account_ids=[a["id"]], run_at=START + timedelta(hours=3))
    assert next_slot(a["id"])["at"] == "2030-01-02T10:00:00Z"
    # Two accounts: an account without slots accepts any free time.
    both = next_slot(a["id"], b["id"])
    assert both["at"] == "2030-01-02T10:00:00Z"
    assert [s["account_name"] for s in both["accounts"]] == ["a", "b"]
    assert both["accounts"][1]["slots"] == [] and both["accounts"][1]["next_free"] is None
    unknown = client.post("/api/v1/schedule/next-slot", json={"account_ids": [a["id"], 999]})
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["field"] == "account_ids[1]"


def test_csv_export_imports_again_and_row_problems_name_the_column(
    client: httpx.Client,
) -> None:
    a = create_account(client, "shop-a", "S1", timezone="Asia/Shanghai", tags=["vip"])
    create_account(client, "shop-b", "S2", timezone="Asia/Shanghai", tags=["vip"])
    media = upload(client, png())
    posted = submit_post(
        client,
        text='=HYPERLINK("x") 双十一',
        account_ids=[a["id"]],
        media_ids=[media["id"]],
        run_at=START + timedelta(hours=1),
    )
    assert posted.status_code == 201, posted.text
    exported = client.get(
        "/api/v1/schedule/export", params={"start": iso(START), "end": iso(START + 7 * DAY)}
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    text = exported.content.decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["text"].startswith("'=")  # a spreadsheet will not run it
    assert row["accounts"] == "shop-a" and row["media_ids"] == media["id"]
    assert row["run_at"] == "2030-01-01T18:00:00+08:00" and row["timezone"] == "Asia/Shanghai"

    assert row["account_ids"] == str(a["id"])

    # Next week, to the tag's accounts (by name, so account_ids is cleared), plus rows with
    # problems.
    row["run_at"] = "2030-01-08 18:00"
    row["account_ids"] = ""
    row["accounts"] = "#vip"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    writer.writerow({**row, "accounts": "nobody"})
    writer.writerow({**row, "run_at": "next tuesday"})
    writer.writerow({**row, "cron": "0 9 * * *", "until": ""})
    # Names edited while the ids were left: refused, not guessed.
    writer.writerow({**row, "account_ids": str(a["id"]), "accounts": "shop-b"})
    writer.writerow({**row, "account_ids": f"{a['id']};x;999"})
    data = out.getvalue().encode()

    def send(dry_run: bool) -> dict[str, Any]:
        response = client.post(
            "/api/v1/schedule/import",
            params={"dry_run": dry_run},
            files={"file": ("plan.csv", data, "text/csv")},
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    checked = send(True)
    assert checked["created"] == 0 and checked["failed"] == 5
    problems = {r["row"]: [p["field"] for p in r["problems"]] for r in checked["rows"]}
    assert problems == {
        2: [],
        3: ["accounts"],
        4: ["run_at"],
        5: ["until"],
        6: ["accounts"],
        7: ["account_ids", "account_ids"],
    }
    assert len(client.get("/api/v1/posts").json()) == 1
    imported = send(False)
    assert imported["created"] == 1 and imported["rows"][0]["post_id"]
    new = client.get(f"/api/v1/posts/{imported['rows'][0]['post_id']}").json()
    assert new["text"] == '=HYPERLINK("x") 双十一' and len(new["account_ids"]) == 2
    assert new["run_at"] == "2030-01-08T10:00:00Z"
    for content, field in [(b"\xff\xfe", "file"), (b"when,who\n1,2\n", "file")]:
        refused = client.post(
            "/api/v1/schedule/import", files={"file": ("x.csv", content, "text/csv")}
        )
        assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == field


def test_jobs_newest_first_by_account(client: httpx.Client, rt: Runtime, agent: FakeAgent) -> None:
    agent.register("S1", "S2")
    a = create_account(client, "a", "S1")
    b = create_account(client, "b", "S2")
    for text in ("one", "two"):
        submit_post(client, text=text, account_ids=[a["id"], b["id"]])
        dispatch_due(rt)
    oldest = client.get("/api/v1/jobs").json()
    newest = client.get("/api/v1/jobs", params={"order": "newest"}).json()
    assert [j["id"] for j in newest] == [j["id"] for j in reversed(oldest)]
    only_b = client.get("/api/v1/jobs", params={"order": "newest", "account_id": b["id"]}).json()
    assert [j["payload"]["text"] for j in only_b] == ["two", "one"]
    assert {j["device_serial"] for j in only_b} == {"S2"}
    missing = client.get("/api/v1/jobs", params={"account_id": 9999})
    assert missing.status_code == 404
    bad = client.get("/api/v1/jobs", params={"order": "random"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "order"


def test_the_review_queue_lists_parked_posts_until_decided(
    client: httpx.Client, rt: Runtime, agent: FakeAgent
) -> None:
    agent.register("S1")
    account = create_account(client, "careful", "S1", publish_mode="confirm")
    post = submit_post(client, text="check me", account_ids=[account["id"]]).json()
    dispatch_due(rt)
    [job] = agent.claim("S1")
    assert client.get("/api/v1/review").json() == []
    agent.park(job.id, png(300, 600))
    [item] = client.get("/api/v1/review").json()
    assert item["text"] == "check me" and item["waiting"] is True
    assert item["target"]["screenshot_url"] and item["device_serial"] == "S1"
    shot = client.get(item["target"]["screenshot_url"])
    assert shot.status_code == 200 and shot.headers["content-type"] == "image/png"
    decided = client.post(f"/api/v1/posts/{post['id']}/targets/{account['id']}/confirm")
    assert decided.status_code == 200
    [item] = client.get("/api/v1/review").json()
    assert item["waiting"] is False and item["target"]["decided_by"] == "api"
    agent.finish(job.id, "S1", FlowOutcome.SUCCEEDED)
    assert client.get("/api/v1/review").json() == []


def test_charts_count_posts_per_day_and_first_response_times(
    client: httpx.Client, rt: Runtime, clock: FakeClock
) -> None:
    a = create_account(client, "a", "S1", timezone="Asia/Shanghai", daily_post_cap=10)
    post = submit_post(client, text="x", account_ids=[a["id"]], run_at=START).json()
    now = clock()
    with write_session(rt.sessions) as session:
        for days_ago, state in [
            (0, "published"),
            (0, "failed"),
            (1, "unconfirmed"),
            (1, "published"),
        ]:
            session.add(
                PostTarget(
                    post_id=post["id"],
                    account_id=a["id"],
                    occurrence_at=now - timedelta(days=days_ago, minutes=len(state)),
                    state=TargetState(state),
                    updated_at=now,
                )
            )
        for i, wait in enumerate([60, 120, 600, None]):
            contact = Contact(account_id=a["id"], name=f"c{i}", created_at=now, updated_at=now)
            session.add(contact)
            session.flush()
            first = now - timedelta(hours=1)
            session.add(
                Conversation(
                    account_id=a["id"],
                    contact_id=contact.id,
                    status="open",
                    first_inbound_at=first,
                    first_response_at=first + timedelta(seconds=wait) if wait else None,
                    last_activity_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
    posts = client.get("/api/v1/charts/posts", params={"days": 3, "timezone": "UTC"}).json()
    days = {d["day"]: d for d in posts["days"]}
    assert list(days) == ["2029-12-30", "2029-12-31", "2030-01-01"]
    today, yesterday = days["2030-01-01"], days["2029-12-31"]
    assert (today["published"], today["failed"], today["pending"]) == (1, 1, 1)
    assert (yesterday["published"], yesterday["unconfirmed"]) == (1, 1)
    frt = client.get("/api/v1/charts/first-response", params={"days": 1}).json()
    [day] = frt["days"]
    assert (day["conversations"], day["answered"]) == (4, 3)
    assert (day["median_seconds"], day["p90_seconds"]) == (120.0, 600.0)
    online = client.get("/api/v1/charts/device-online", params={"days": 2}).json()
    assert online["recorded_since"] is None  # no phone registered: no history yet
    assert [(d["phones"], d["online_hours"], d["availability"]) for d in online["days"]] == [
        (0, 0.0, None),
        (0, 0.0, None),
    ]
    bad = client.get("/api/v1/charts/posts", params={"timezone": "Mars/Base"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "timezone"


def test_a_csv_row_with_text_a_phone_cannot_type_is_refused_naming_the_column(
    client: httpx.Client,
) -> None:
    create_account(client, "shop-a", "S1")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["run_at", "accounts", "text"])
    writer.writeheader()
    writer.writerow({"run_at": "2030-01-08T18:00:00+00:00", "accounts": "shop-a", "text": "a\x1bb"})
    writer.writerow(
        {"run_at": "2030-01-08T19:00:00+00:00", "accounts": "shop-a", "text": "ok\n\tok"}
    )
    response = client.post(
        "/api/v1/schedule/import",
        files={"file": ("plan.csv", out.getvalue().encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["created"] == 1 and result["failed"] == 1
    [refused, stored] = result["rows"]
    assert [(p["field"], p["type"]) for p in refused["problems"]] == [("text", "control_character")]
    assert client.get(f"/api/v1/posts/{stored['post_id']}").json()["text"] == "ok\n\tok"
    assert len(client.get("/api/v1/posts").json()) == 1


# Characters that meant something in the old `accounts` cell or to a spreadsheet or CSV.
_TRICKY = "#;'=+-@ ,\"\\\t0123456789abcXYZ店铺é😀"


def _random_line(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(_TRICKY.replace("\t", "")) for _ in range(size))


def test_a_csv_cell_reads_back_as_it_was_written_for_any_text() -> None:
    rng = random.Random(20271107)
    samples = ["'=x", "''=x", "'hello", "=SUM(A1)", "\t=1", "-", "'", "''", "", "@me"]
    samples += [_random_line(rng, rng.randint(0, 6)) for _ in range(5000)]
    for value in samples:
        cell = _safe_cell(value)
        assert _unsafe_cell(cell) == value, (value, cell)
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_an_export_imports_back_to_the_same_accounts_whatever_their_names(
    client: httpx.Client, rt: Runtime
) -> None:
    """Property test over seeded random names: tags (#), separators (;), ids, formulas."""
    taken: set[str] = set()
    for seed in (1, 2, 3):
        rng = random.Random(seed)
        names = {f"#{seed}", f"{seed};{seed + 10}", str(seed + 10)}
        if seed == 1:
            names |= {"#vip", "3;4", "3", "4", "'=x", "''=x", "=SUM(1)", " padded ", ";", "#"}
        while len(names) < 30:
            names.add(_random_line(rng, rng.randint(1, 12)))
        names -= taken
        taken |= names
        accounts = {
            name: create_account(
                client, name, f"S-{seed}-{n}", daily_post_cap=100, tags=["vip", str(seed)]
            )["id"]
            for n, name in enumerate(sorted(names))
        }
        ids = list(accounts.values())
        start = START + timedelta(days=30 * seed)
        posted: dict[int, tuple[str, list[int]]] = {}
        for n in range(20):
            targets = rng.sample(ids, rng.randint(1, 4))
            text = rng.choice(["'=", "=", "'", "\t", "", "#", "3;4 "]) + _random_line(rng, 8)
            text += f"\n{seed}-{n}"
            response = submit_post(
                client, text=text, account_ids=targets, run_at=start + timedelta(minutes=n)
            )
            assert response.status_code == 201, response.text
            stored = response.json()
            assert stored["account_ids"] == targets
            posted[stored["id"]] = (stored["text"], targets)
        exported = client.get(
            "/api/v1/schedule/export",
            params={"start": iso(start), "end": iso(start + DAY)},
        )
        assert exported.status_code == 200, exported.text
        rows = read_rows(exported.content)
        assert len(rows) == len(posted)
        with rt.sessions() as session:
            for row in rows:
                text, targets = posted[int(row["post_id"])]
                body = row_to_post(session, row)
                assert (body.text, body.account_ids) == (text, targets), row


def test_an_exported_row_imports_to_its_own_accounts_through_the_api(
    client: httpx.Client,
) -> None:
    hash_name = create_account(client, "#vip", "S1")  # not the tag
    create_account(client, "tagged", "S2", tags=["vip"])
    three = create_account(client, "3", "S3")
    create_account(client, "4", "S4")
    semi = create_account(client, "3;4", "S5")
    posted = submit_post(
        client,
        text="'=quoted",
        account_ids=[semi["id"], hash_name["id"]],
        run_at=START + timedelta(hours=1),
    )
    assert posted.status_code == 201, posted.text
    exported = client.get(
        "/api/v1/schedule/export", params={"start": iso(START), "end": iso(START + DAY)}
    )
    text = exported.content.decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["accounts"] == "3;4;#vip" and row["text"] == "''=quoted"  # one ' added
    row["run_at"] = "2030-01-08T10:00:00+00:00"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    imported = client.post(
        "/api/v1/schedule/import", files={"file": ("plan.csv", out.getvalue().encode(), "text/csv")}
    )
    assert imported.status_code == 200, imported.text
    [result] = imported.json()["rows"]
    assert result["problems"] == []
    new = client.get(f"/api/v1/posts/{result['post_id']}").json()
    assert new["account_ids"] == [semi["id"], hash_name["id"]]
    assert three["id"] not in new["account_ids"]
    assert new["text"] == "'=quoted"
