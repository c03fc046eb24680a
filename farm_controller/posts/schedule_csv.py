"""A schedule as CSV: export the posts of a period, import rows as new posts.

Columns (header row required; unknown columns are refused, missing ones are empty)::

    run_at        2030-01-02T09:00:00+08:00, or local "2030-01-02 09:00" read in `timezone`
    timezone      IANA zone (Asia/Shanghai); default: the first account's
    account_ids   the target accounts' ids, ";"-separated (what an export writes)
    accounts      without account_ids: account names or ids, ";"-separated, "#tag" meaning
                  every account with it (a name holding ";" or starting with "#" is
                  targeted through account_ids); with account_ids: empty, or exactly the
                  names of those accounts as an export writes them (a check, nothing more)
    text          the post's text
    media_ids     ids of uploaded images (POST /media), ";"-separated, in order
    cron          5-field cron expression in `timezone` (a recurrence), or
    interval_seconds  a recurrence every N seconds
    until         end of the recurrence (like run_at)
    allow_duplicate   true / false

An export adds ``post_id``, ``state`` and ``created_by``; an import ignores them. An
exported file imports again to the very same accounts, whatever their names: the targets
are read from ``account_ids``, and ``accounts`` (the names, for people) must still name
exactly those accounts — a row whose ``accounts`` was edited while ``account_ids`` was left
is refused naming ``accounts`` rather than guessed (to retarget a row, edit
``account_ids``, or clear it and write names or ``#tags`` in ``accounts``).

Cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a CR),
and cells made of apostrophes before such a start, are exported with one more leading
``'``, which import drops: every cell reads back as it was written (``'=x`` stays ``'=x``).

Each row is checked and stored on its own (`posting.create_post`); a dry run only checks
(`posting.check_post`). A row's problems name the column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from farm_controller.errors import DomainError, FieldProblem, Invalid, problems_from_validation
from farm_controller.models import Account, Post
from farm_controller.posts.submission import NewPost, check_post, create_post
from farm_controller.runtime import Runtime
from farm_controller.schemas.accounts import check_timezone
from farm_controller.schemas.posts import PostCreate

IMPORT_COLUMNS = (
    "run_at",
    "timezone",
    "account_ids",
    "accounts",
    "text",
    "media_ids",
    "cron",
    "interval_seconds",
    "until",
    "allow_duplicate",
)
EXPORT_ONLY = ("post_id", "state", "created_by")
EXPORT_COLUMNS = (*IMPORT_COLUMNS, *EXPORT_ONLY)
MAX_ROWS = 1000
MAX_BYTES = 1_000_000
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _escaped(value: str) -> bool:
    """Is `value` written with one more leading apostrophe (``'*`` then a formula start)?"""
    return value.lstrip("'").startswith(_FORMULA_STARTS)


def _safe_cell(value: str) -> str:
    return "'" + value if _escaped(value) else value


def _unsafe_cell(value: str) -> str:
    if value.startswith("'") and _escaped(value[1:]):
        return value[1:]
    return value


def _names_cell(names: dict[int, str], account_ids: Sequence[int]) -> str:
    """The `accounts` cell an export writes for these accounts."""
    return ";".join(names.get(account_id, str(account_id)) for account_id in account_ids)


def export_posts(session: Session, posts: Sequence[Post]) -> str:
    """The posts as CSV text (UTF-8 with BOM when written, for spreadsheets)."""
    names = {
        account_id: name for account_id, name in session.execute(select(Account.id, Account.name))
    }
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for post in posts:
        zone = ZoneInfo(post.timezone)
        account_ids = [
            link.account_id for link in sorted(post.accounts, key=lambda link: link.position)
        ]
        row = {
            "run_at": post.run_at.astimezone(zone).isoformat(),
            "timezone": post.timezone,
            "account_ids": ";".join(str(account_id) for account_id in account_ids),
            "accounts": _names_cell(names, account_ids),
            "text": post.text,
            "media_ids": ";".join(link.media_id for link in post.media),
            "cron": post.cron or "",
            "interval_seconds": str(post.interval_seconds or ""),
            "until": post.until.astimezone(zone).isoformat() if post.until else "",
            "allow_duplicate": "",
            "post_id": str(post.id),
            "state": post.state,
            "created_by": post.created_by,
        }
        writer.writerow([_safe_cell(row[column]) for column in EXPORT_COLUMNS])
    return out.getvalue()


def _moment(value: str, zone_name: str | None, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(
            FieldProblem(field, f"{value!r} is not a date and time (2030-01-02 09:00)", "value"),
        ) from None
    if moment.tzinfo is None:
        if not zone_name:
            raise Invalid(FieldProblem(field, "a local time needs the timezone column", "missing"))
        moment = moment.replace(tzinfo=ZoneInfo(zone_name))
    return moment


def _accounts(session: Session, cell: str) -> list[int]:
    everyone = list(session.scalars(select(Account).order_by(Account.id)))
    by_name = {a.name: a.id for a in everyone}
    ids: list[int] = []
    problems = []
    for item in (part.strip() for part in cell.split(";")):
        if not item:
            continue
        if item.startswith("#"):
            tagged = [a.id for a in everyone if item[1:] in (a.tags or [])]
            if not tagged:
                problems.append(FieldProblem("accounts", f"no account has tag {item[1:]!r}"))
            ids.extend(tagged)
        elif item in by_name:
            ids.append(by_name[item])
        elif item.isdigit() and int(item) in by_name.values():
            ids.append(int(item))
        else:
            problems.append(FieldProblem("accounts", f"no account named {item!r}", "not_found"))
    if problems:
        raise Invalid(problems)
    return list(dict.fromkeys(ids))


def _targets(session: Session, row: dict[str, str]) -> list[int]:
    """The row's target accounts: `account_ids` when given (checked against `accounts`),
    else the names, ids and #tags of `accounts`."""
    ids_cell = row.get("account_ids", "").strip()
    names_cell = row.get("accounts", "")
    if not ids_cell:
        return _accounts(session, names_cell)
    names = {
        account_id: name for account_id, name in session.execute(select(Account.id, Account.name))
    }
    ids: list[int] = []
    problems = []
    for item in (part.strip() for part in ids_cell.split(";")):
        if not item:
            continue
        if not (item.isascii() and item.isdigit()):
            problems.append(FieldProblem("account_ids", f"{item!r} is not an account id"))
        elif int(item) not in names:
            problems.append(FieldProblem("account_ids", f"no account with id {item}", "not_found"))
        else:
            ids.append(int(item))
    if problems:
        raise Invalid(problems)
    ids = list(dict.fromkeys(ids))
    expected = _names_cell(names, ids)
    if names_cell.strip() and names_cell != expected:
        raise Invalid(
            FieldProblem(
                "accounts",
                f"names {names_cell!r} but account_ids {ids_cell!r} are {expected!r}; to "
                "change the targets edit account_ids, or clear it and list names or #tags "
                "in accounts",
                "mismatch",
            )
        )
    return ids


def _truthy(value: str) -> bool:
    if value.strip().lower() in ("", "0", "false", "no", "n"):
        return False
    if value.strip().lower() in ("1", "true", "yes", "y"):
        return True
    raise Invalid(FieldProblem("allow_duplicate", f"{value!r} is not true or false", "value"))


def row_to_post(session: Session, row: dict[str, str]) -> PostCreate:
    """One CSV row as a post to submit (422 naming the column when it cannot be)."""
    zone = row.get("timezone", "").strip() or None
    if zone is not None:
        try:
            check_timezone(zone)
        except ValueError as exc:
            raise Invalid(FieldProblem("timezone", str(exc))) from None
    account_ids = _targets(session, row)
    if zone is None and account_ids:
        first = session.get(Account, account_ids[0])
        zone = first.timezone if first is not None else None
    body: dict[str, Any] = {
        "text": row.get("text", ""),
        "account_ids": account_ids,
        "media_ids": [m.strip() for m in row.get("media_ids", "").split(";") if m.strip()],
        "allow_duplicate": _truthy(row.get("allow_duplicate", "")),
    }
    if zone:
        body["timezone"] = zone
    if row.get("run_at", "").strip():
        body["run_at"] = _moment(row["run_at"], zone, "run_at")
    cron = row.get("cron", "").strip()
    interval = row.get("interval_seconds", "").strip()
    if cron or interval:
        recurrence: dict[str, Any] = {}
        if cron:
            recurrence["cron"] = cron
        if interval:
            if not interval.isdigit():
                raise Invalid(
                    FieldProblem("interval_seconds", "a whole number of seconds", "value")
                )
            recurrence["interval_seconds"] = int(interval)
        if not row.get("until", "").strip():
            raise Invalid(FieldProblem("until", "a recurrence needs an end", "missing"))
        recurrence["until"] = _moment(row["until"], zone, "until")
        body["recurrence"] = recurrence
    try:
        return PostCreate.model_validate(body)
    except ValidationError as exc:
        raise Invalid(problems_from_validation(exc.errors())) from None


def read_rows(data: bytes) -> list[dict[str, str]]:
    """The CSV's rows as dicts by column (422 for an unreadable file or unknown columns)."""
    if len(data) > MAX_BYTES:
        raise Invalid(FieldProblem("file", f"the file is over {MAX_BYTES} bytes", "too_large"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(FieldProblem("file", "save the CSV as UTF-8", "encoding")) from None
    if "\x00" in text:
        raise Invalid(FieldProblem("file", "not a text file", "encoding"))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    if not header:
        raise Invalid(FieldProblem("file", "the file has no header row", "missing"))
    unknown = [name for name in header if name not in EXPORT_COLUMNS]
    if unknown:
        raise Invalid(
            FieldProblem(
                "file",
                f"unknown column(s) {', '.join(unknown)}; use {', '.join(IMPORT_COLUMNS)}",
                "unknown_column",
            ),
        )
    reader.fieldnames = header
    rows: list[dict[str, str]] = []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise Invalid(FieldProblem("file", f"at most {MAX_ROWS} rows per file", "too_many"))
            rows.append({k: _unsafe_cell(v or "") for k, v in row.items() if k is not None})
    except csv.Error as exc:
        raise Invalid(FieldProblem("file", f"unreadable CSV: {exc}", "bad_csv")) from None
    return rows


def import_rows(
    rt: Runtime, rows: Sequence[dict[str, str]], *, dry_run: bool, created_by: str
) -> list[tuple[int, NewPost | None, list[FieldProblem]]]:
    """Check, and unless `dry_run` store, every row on its own: (row number, post, problems)."""
    results: list[tuple[int, NewPost | None, list[FieldProblem]]] = []
    for number, row in enumerate(rows, start=2):
        if not any(value.strip() for value in row.values()):
            continue
        try:
            with rt.sessions() as session:
                body = row_to_post(session, row)
            if dry_run:
                report = check_post(rt, body)
                results.append((number, None, [*report.errors, *report.conflicts]))
            else:
                body = body.model_copy(update={"created_by": created_by})
                created = create_post(rt, body, created_by=created_by)
                results.append((number, created, []))
        except DomainError as exc:
            results.append((number, None, list(exc.problems)))
    return results
