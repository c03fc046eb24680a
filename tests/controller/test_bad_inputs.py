"""Table-driven: each bad request gets a 4xx naming the field, and stores nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from controller_support import (
    api_headers,
    create_account,
    settings_in,
    upload,
)
from sqlalchemy import func, select

import farm_controller
from farm_controller import create_app
from farm_controller.models import Account, Media, Post, PostAccount, PostMedia, PostTarget
from farm_controller.runtime import Runtime
from tests.helpers.clock import START, FakeClock
from tests.helpers.images import image_bytes, png
from tests.helpers.servers import serving

LATER = START + timedelta(hours=1)
SERVER_ROOT = str(Path(farm_controller.__file__).resolve().parents[1])


@dataclass
class Farm:
    client: httpx.Client
    rt: Runtime
    media_dir: Path
    ids: dict[str, Any]


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Farm]:
    """One controller for the whole table: since no row may store anything, rows cannot
    disturb each other (which is what the table checks)."""
    root = tmp_path_factory.mktemp("bad-inputs")
    settings = settings_in(root, max_image_bytes=50_000)
    app = create_app(settings, clock=FakeClock())
    with serving(app) as url, httpx.Client(base_url=url) as client:
        client.headers.update(api_headers())
        plain = create_account(client, "plain", "S1")
        quiet = create_account(
            client, "quiet", "S2", quiet_hours={"start": "08:00", "end": "12:00"}
        )
        capped = create_account(client, "capped", "S3", daily_post_cap=1)
        image = upload(client, png())
        # Existing posts the cap and duplicate rows run into.
        for account, text in ((capped, "first of the day"), (plain, "hello again")):
            response = client.post(
                "/api/v1/posts",
                json={"text": text, "account_ids": [account["id"]], "run_at": LATER.isoformat()},
            )
            assert response.status_code == 201, response.text
        yield Farm(
            client,
            app.state.runtime,
            root / "media",
            {
                "plain": plain["id"],
                "quiet": quiet["id"],
                "capped": capped["id"],
                "media": image["id"],
            },
        )


def snapshot(farm: Farm) -> dict[str, Any]:
    """Everything a submission could store."""
    with farm.rt.sessions() as session:
        counts = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Account, Media, Post, PostAccount, PostMedia, PostTarget)
        }
    files = sorted(str(p) for p in farm.media_dir.rglob("*") if p.is_file())
    return {**counts, "files": files, "jobs": farm.rt.jobs.count_by_state()}


Send = Callable[[Farm], httpx.Response]


def post_json(**fields: Any) -> Send:
    def send(farm: Farm) -> httpx.Response:
        body = {"text": "hi", "account_ids": [farm.ids["plain"]], **fields}
        return farm.client.post("/api/v1/posts", json=body)

    return send


def post_for(account: str, **fields: Any) -> Send:
    def send(farm: Farm) -> httpx.Response:
        body = {"text": "hi", "account_ids": [farm.ids[account]], **fields}
        return farm.client.post("/api/v1/posts", json=body)

    return send


def post_media(count: int) -> Send:
    def send(farm: Farm) -> httpx.Response:
        body = {
            "text": "hi",
            "account_ids": [farm.ids["plain"]],
            "media_ids": [farm.ids["media"]] * count,
        }
        return farm.client.post("/api/v1/posts", json=body)

    return send


def post_multipart(
    files: list[tuple[str, bytes]], post: dict[str, Any] | None = None, with_post: bool = True
) -> Send:
    def send(farm: Farm) -> httpx.Response:
        body = post if post is not None else {"text": "hi", "account_ids": [farm.ids["plain"]]}
        data = {"post": json.dumps(body)} if with_post else {"other": "x"}
        parts = [("files", (name, content, "application/octet-stream")) for name, content in files]
        return farm.client.post("/api/v1/posts", data=data, files=parts)

    return send


def raw(method: str, path: str, **kwargs: Any) -> Send:
    def send(farm: Farm) -> httpx.Response:
        return farm.client.request(method, path, **kwargs)

    return send


def recurrence(**fields: Any) -> dict[str, Any]:
    return {"until": (START + timedelta(days=2)).isoformat(), **fields}


BAD_INPUTS: list[tuple[str, Send, int, str | None]] = [
    # (case, request, status, field named in the error)
    (
        "run time in the past",
        post_json(run_at=(START - timedelta(hours=1)).isoformat()),
        422,
        "run_at",
    ),
    ("naive run time", post_json(run_at="2030-01-01T10:00:00"), 422, "run_at"),
    ("run time not a date", post_json(run_at="tomorrow"), 422, "run_at"),
    ("unknown account", post_json(account_ids=[999]), 422, "account_ids[0]"),
    (
        "account listed twice",
        raw("POST", "/api/v1/posts", json={"text": "x", "account_ids": [1, 1]}),
        422,
        "account_ids[1]",
    ),
    ("no targets", post_json(account_ids=[]), 422, "account_ids"),
    ("targets missing", raw("POST", "/api/v1/posts", json={"text": "x"}), 422, "account_ids"),
    ("account id not a number", post_json(account_ids=["abc"]), 422, "account_ids[0]"),
    ("unknown media", post_json(media_ids=["nope"]), 422, "media_ids[0]"),
    ("more than 9 images", post_media(10), 422, "media_ids"),
    ("no text and no images", post_json(text="   "), 422, "text"),
    ("text over the app's limit", post_json(text="字" * 2001), 422, "text"),
    ("unknown field", post_json(run_time=LATER.isoformat()), 422, "run_time"),
    ("bad time zone", post_json(timezone="Mars/Olympus"), 422, "timezone"),
    (
        "quiet hours",
        post_for("quiet", run_at=(START + timedelta(minutes=30)).isoformat()),
        422,
        "run_at",
    ),
    (
        "daily cap reached",
        post_for("capped", text="second", run_at=LATER.isoformat()),
        409,
        "account_ids[0]",
    ),
    (
        "same text within 24 h",
        post_json(text="hello again", run_at=(LATER + timedelta(hours=5)).isoformat()),
        409,
        "text",
    ),
    (
        "cron with 4 fields",
        post_json(recurrence=recurrence(cron="0 9 * *")),
        422,
        "recurrence.cron",
    ),
    (
        "cron out of range",
        post_json(recurrence=recurrence(cron="0 25 * * *")),
        422,
        "recurrence.cron",
    ),
    (
        "cron day and weekday",
        post_json(recurrence=recurrence(cron="0 9 1 * 1")),
        422,
        "recurrence.cron",
    ),
    (
        "interval and cron",
        post_json(recurrence=recurrence(interval_seconds=3600, cron="0 9 * * *")),
        422,
        "recurrence",
    ),
    (
        "interval too short",
        post_json(recurrence=recurrence(interval_seconds=30)),
        422,
        "recurrence.interval_seconds",
    ),
    (
        "recurrence without end",
        post_json(recurrence={"interval_seconds": 3600}),
        422,
        "recurrence.until",
    ),
    (
        "end before start",
        post_json(
            run_at=LATER.isoformat(),
            recurrence=recurrence(interval_seconds=3600, until=START.isoformat()),
        ),
        422,
        "recurrence.until",
    ),
    (
        "end too far",
        post_json(
            recurrence=recurrence(
                interval_seconds=3600, until=(START + timedelta(days=400)).isoformat()
            )
        ),
        422,
        "recurrence.until",
    ),
    (
        "malformed JSON",
        raw(
            "POST", "/api/v1/posts", content=b"{nope", headers={"content-type": "application/json"}
        ),
        422,
        None,
    ),
    ("JSON not an object", raw("POST", "/api/v1/posts", json=[1, 2]), 422, None),
    (
        "plain text body",
        raw("POST", "/api/v1/posts", content=b"hi", headers={"content-type": "text/plain"}),
        415,
        None,
    ),
    ("file not an image", post_multipart([("a.png", b"definitely not a png")]), 422, "files[0]"),
    ("file truncated", post_multipart([("a.png", png()[:60])]), 422, "files[0]"),
    (
        "file too large",
        post_multipart([("big.png", png(400, 400) + b"\0" * 60_000)]),
        422,
        "files[0]",
    ),
    ("GIF not accepted", post_multipart([("a.gif", image_bytes("GIF"))]), 422, "files[0]"),
    ("second file bad", post_multipart([("a.png", png()), ("b.png", b"xx")]), 422, "files[1]"),
    (
        "ten files",
        post_multipart([(f"{i}.png", png(colour=(i, i, i))) for i in range(10)]),
        422,
        "files",
    ),
    ("multipart without post", post_multipart([("a.png", png())], with_post=False), 422, "post"),
    (
        "multipart post not JSON",
        raw(
            "POST",
            "/api/v1/posts",
            data={"post": "{"},
            files=[("files", ("a.png", png(), "image/png"))],
        ),
        422,
        None,
    ),
    (
        "multipart naive run time",
        post_multipart(
            [("a.png", png())], post={"text": "x", "account_ids": [1], "run_at": "2030-01-01T10:00"}
        ),
        422,
        "run_at",
    ),
    (
        "media upload not an image",
        raw("POST", "/api/v1/media", files={"file": ("a.png", b"GIF89a nope", "image/png")}),
        422,
        "file",
    ),
    (
        "media upload empty",
        raw("POST", "/api/v1/media", files={"file": ("a.png", b"", "image/png")}),
        422,
        "file",
    ),
    (
        "media upload too large",
        raw(
            "POST",
            "/api/v1/media",
            files={"file": ("a.png", b"\x89PNG" + b"\0" * 60_000, "image/png")},
        ),
        422,
        "file",
    ),
    ("media upload without file", raw("POST", "/api/v1/media", data={"x": "1"}), 422, "file"),
    (
        "account bad time zone",
        raw(
            "POST",
            "/api/v1/accounts",
            json={"name": "n", "device_serial": "s", "timezone": "Nowhere"},
        ),
        422,
        "timezone",
    ),
    (
        "account empty quiet hours",
        raw(
            "POST",
            "/api/v1/accounts",
            json={
                "name": "n",
                "device_serial": "s",
                "quiet_hours": {"start": "08:00", "end": "08:00"},
            },
        ),
        422,
        "quiet_hours",
    ),
    (
        "account cap zero",
        raw(
            "POST",
            "/api/v1/accounts",
            json={"name": "n", "device_serial": "s", "daily_post_cap": 0},
        ),
        422,
        "daily_post_cap",
    ),
    (
        "account bad publish mode",
        raw(
            "POST",
            "/api/v1/accounts",
            json={"name": "n", "device_serial": "s", "publish_mode": "yolo"},
        ),
        422,
        "publish_mode",
    ),
    (
        "account app not installed",
        raw("POST", "/api/v1/accounts", json={"name": "n", "device_serial": "s", "app": "nope"}),
        422,
        "app",
    ),
    (
        "account app a relative path",
        raw(
            "POST",
            "/api/v1/accounts",
            json={"name": "n", "device_serial": "s", "app": "../apps/simchat"},
        ),
        422,
        "app",
    ),
    (
        "account app a file",
        raw(
            "POST",
            "/api/v1/accounts",
            json={"name": "n", "device_serial": "s", "app": "/etc/profile.yaml"},
        ),
        422,
        "app",
    ),
    (
        "account app changed to one not installed",
        raw("PATCH", "/api/v1/accounts/1", json={"app": "wechat2"}),
        422,
        "app",
    ),
    (
        "account name taken",
        raw("POST", "/api/v1/accounts", json={"name": "plain", "device_serial": "s"}),
        409,
        "name",
    ),
    ("post id not a number", raw("GET", "/api/v1/posts/abc"), 422, "post_id"),
    ("jobs limit zero", raw("GET", "/api/v1/jobs", params={"limit": 0}), 422, "limit"),
    ("unknown job state", raw("GET", "/api/v1/jobs", params={"state": "sleeping"}), 422, "state"),
    ("NUL in text", post_json(text="a\x00b"), 422, "text"),
    ("ESC in a post's text", post_json(text="sale \x1b[31mnow"), 422, "text"),
    ("BEL in a post's text", post_json(text="ding\x07"), 422, "text"),
    ("DEL in a post's text", post_json(text="oops\x7f"), 422, "text"),
    (
        "ESC in a multipart post's text",
        post_multipart([("a.png", png())], {"text": "\x1b", "account_ids": [1]}),
        422,
        "text",
    ),
    (
        "control character in an account name",
        raw("POST", "/api/v1/accounts", json={"name": "shop\x1b", "device_serial": "s"}),
        422,
        "name",
    ),
    (
        "newline in an account name",
        raw("POST", "/api/v1/accounts", json={"name": "shop\nb", "device_serial": "s"}),
        422,
        "name",
    ),
    (
        "tab in an account tag",
        raw(
            "POST",
            "/api/v1/accounts",
            json={"name": "n", "device_serial": "s", "tags": ["ok", "v\tip"]},
        ),
        422,
        "tags[1]",
    ),
    (
        "control character in a new account name",
        raw("PATCH", "/api/v1/accounts/1", json={"name": "plain\x07"}),
        422,
        "name",
    ),
    (
        "unpaired surrogate",
        raw(
            "POST",
            "/api/v1/accounts",
            content=b'{"name": "\\ud800", "device_serial": "s"}',
            headers={"content-type": "application/json"},
        ),
        422,
        "name",
    ),
    ("account id beyond the database", post_json(account_ids=[2**40]), 422, "account_ids[0]"),
    ("post id beyond the database", raw("GET", f"/api/v1/posts/{2**70}"), 422, "post_id"),
    ("NUL in a path key", raw("GET", "/api/v1/jobs/a%00b"), 422, "job_id"),
    ("run time years ahead", post_json(run_at="9999-12-31T23:59:59+00:00"), 422, "run_at"),
    ("run time out of range", post_json(run_at="0001-01-01T00:00:00+14:00"), 422, "run_at"),
    ("unknown post", raw("GET", "/api/v1/posts/4242"), 404, None),
    ("confirm with nothing parked", raw("POST", "/api/v1/posts/1/targets/3/confirm"), 409, None),
]


@pytest.mark.parametrize(
    ("case", "send", "status", "field"), BAD_INPUTS, ids=[row[0] for row in BAD_INPUTS]
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    farm: Farm, case: str, send: Send, status: int, field: str | None
) -> None:
    before = snapshot(farm)
    response = send(farm)
    assert response.status_code == status, response.text
    problems = response.json()["detail"]
    assert isinstance(problems, list) and problems
    assert all(set(p) == {"field", "message", "type"} and p["message"] for p in problems)
    if field is not None:
        assert field in [p["field"] for p in problems], problems
    assert snapshot(farm) == before
    assert SERVER_ROOT not in response.text  # never a server path in a response


def test_newlines_and_tabs_stay_in_a_posts_text_and_cr_lf_is_a_newline(farm: Farm) -> None:
    body = {
        "text": "第一行\r\n\tsecond line\rthird",
        "account_ids": [farm.ids["plain"]],
        "run_at": (LATER + timedelta(days=3)).isoformat(),
    }
    created = farm.client.post("/api/v1/posts", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["text"] == "第一行\n\tsecond line\nthird"
    problem = farm.client.post("/api/v1/posts", json={**body, "text": "a\x1bb"}).json()
    assert problem["detail"] == [
        {
            "field": "text",
            "message": "contains U+001B (ESC) at character 2, which a phone cannot type; "
            "only newlines and tabs may be in this text",
            "type": "control_character",
        }
    ]


def test_the_duplicate_warning_can_be_overridden(farm: Farm) -> None:
    body = {
        "text": "hello again",
        "account_ids": [farm.ids["plain"]],
        "run_at": (LATER + timedelta(hours=2)).isoformat(),
    }
    warned = farm.client.post("/api/v1/posts", json=body)
    assert warned.status_code == 409
    assert warned.json()["detail"][0]["type"] == "duplicate"
    accepted = farm.client.post("/api/v1/posts", json={**body, "allow_duplicate": True})
    assert accepted.status_code == 201, accepted.text
