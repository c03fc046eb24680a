"""Unified chat end to end: 300 customer messages read off 10 virtual phones, replies sent.

A real controller on loopback (syncs planned every second, every 2 s per busy account,
6 s leases) and an in-process agent drive 10 virtual phones at 720x1600 with the demo
world (6 customers each, with history). Phones 8-10 hide chat text from the
accessibility hierarchy, as some app versions do, so their bubbles, snippets and sent
replies are read by OCR; phones 1, 4, 6 and 9 suffer random interruptions (dialogs,
banners, toasts, slow frames, freezes).

1. Customers send 300 messages while syncs run, spread over ~40 seconds: Chinese,
   English, emoji (mixed and alone), texts of up to 300 characters, bursts of 20 into one
   conversation, and new customers the controller has never seen. OCR costs about a
   second per screen on two cores, so the split is 264 messages on the 7 hierarchy
   phones (three bursts of 20) and 36 on the 3 OCR phones (12 each, one long text and a
   burst of 6 among them). Every conversation in the public API must then hold exactly
   the phone's conversation — history and new messages, each once, in order. For the
   OCR phones texts are compared after `farm_protocol.chat_align.text_key`, the
   normalisation the controller aligns by: emoji read as U+FFFD and are dropped by it
   (as are whitespace and symbols); every other character must be read exactly.
2. Staff reply once in a conversation of every phone (POST
   /api/v1/conversations/{id}/messages): each reaches its customer exactly once
   (`world.delivered_to`) and is `delivered` in the API.
3. The agent is killed mid-send: its phone freezes right after the tap on Send of a
   reply, its network is cut and every other phone of it freezes too, so it says
   nothing more. A second reply in the same conversation waits behind it (so no sync is
   planned for the phone meanwhile: replies go first). A fresh agent (same host, same
   workdir) drives the same phones; the lease runs out, the reply turns `unconfirmed` and
   is requeued with check_first. Whichever the new agent runs first, the first reply
   reaches the customer once: its check finds it on the screen (`already_done`), or the
   screen shown after sending the second reply holds it above that one, which delivers
   it in its place and cancels the check. Both are stored in the phone's order.
4. After one more sync of every phone, every conversation in the API equals the phone's,
   replies included: nothing read twice, nothing stored twice.

Measured on two cores: 134-150 s in all on a quiet machine, up to ~4 minutes while other
work shares the cores (the numbers are printed with ``-s``).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agent.host.client import ControllerClient
from agent.host.supervisor import Supervisor
from farm_protocol.chat_align import text_key
from simulator.farm import SimFarmSpec, build_phones
from simulator.host import SimAgent
from simulator.phone import VirtualPhone
from tests.helpers.farm import (
    AGENT_TOKEN,
    HOST,
    Api,
    ControllerFactory,
    FreezingDevice,
    SeverableTransport,
    agent_settings,
    as_devices,
)
from tests.helpers.waiting import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

PHONES = 10
OCR_PHONES = frozenset({7, 8, 9})
FAULTY_PHONES = frozenset({0, 3, 5, 8})
MESSAGES = 300
OCR_MESSAGES_EACH = 12
BURST = 20
BURST_PHONES = (0, 2, 5)  # a burst of 20 into one conversation on each
OCR_BURST = 6
KILLED_PHONE = 1
INJECT_SECONDS = 45.0  # the customers write for this long (bursts in quick succession)

_LONG = (
    "您好，我们公司想批量采购贵店的春季新品，大概需要两百套，请问有没有团购优惠？"
    "发货大概要多久，能不能开增值税专用发票？另外想了解一下售后政策，如果收到的货有"
    "质量问题，是退货还是换货，运费由谁承担？我们下周一之前需要确定供应商，"
    "麻烦尽快回复，谢谢！Also, could you send the English product catalogue and the "
    "price list for wholesale orders? 另外，上次买的那批面霜客户反馈很好，这次想多订一些，"
    "如果能在月底前到货就更好了，我们可以先付一半定金。请把报价单发到我的邮箱，"
    "或者直接在这里发给我也可以，我们财务会尽快确认。"
)
_ZH = (
    "你好，请问这款面霜还有货吗？",
    "我昨天下的单，什么时候发货",
    "可以便宜一点吗，买两瓶",
    "地址写错了，能帮我改一下吗",
    "收到了，包装很好，谢谢",
    "请问周末店里开门吗？",
)
_EN = (
    "Do you ship to Hangzhou before Friday?",
    "Is the spring collection out yet?",
    "Could you send me the price list?",
    "Thanks, received it today",
)
_EMOJI_MIXED = ("好的👌谢谢", "太好了🎉马上下单", "收到🙏辛苦了", "Great 😊 see you soon")
_EMOJI_ALONE = ("👍", "🎉🎉", "🙏😊", "❤️", "👌👌👌")


# -- what the customers send -----------------------------------------------------------


@dataclass
class Send:
    """One customer message: to which phone, from whom, what."""

    phone: int
    contact: str
    text: str
    burst: bool = False


@dataclass
class Plan:
    """The customers' messages in injection order, and the new customers to add first."""

    sends: list[Send] = field(default_factory=list)
    new_contacts: dict[int, list[str]] = field(default_factory=dict)


class Texts:
    """What one phone's customers write.

    On hierarchy phones anything goes, look-alikes included (bursts of "第1条…", "第2条…":
    the hierarchy gives exact text). On OCR phones no two messages share a sentence:
    matching OCR text with what is known tolerates a misread character
    (`chat_align.OCR_SIMILARITY`), so two texts that differ only in a number would be
    taken for one another — a limit of reading by OCR, not something to test here.
    """

    def __init__(self, rng: random.Random, ocr: bool) -> None:
        self.rng = rng
        self.ocr = ocr
        self.emoji_left = list(_EMOJI_ALONE)  # each emoji-only text once per phone
        pool = [*(f"{t}（{{n}}）" for t in _ZH), *(f"#{{n}} {t}" for t in _EN)]
        pool += [f"{t} {{n}}" for t in _EMOJI_MIXED]
        rng.shuffle(pool)
        self.pool = pool

    def next(self, n: int) -> str:
        if self.ocr:
            return self.pool.pop().format(n=n)
        kind = self.rng.choices(["zh", "en", "mixed", "alone"], weights=[5, 2, 2, 1])[0]
        if kind == "alone" and self.emoji_left:
            return self.emoji_left.pop()
        if kind == "en":
            return f"#{n} {self.rng.choice(_EN)}"
        if kind == "mixed":
            return f"{self.rng.choice(_EMOJI_MIXED)} {n}"
        return f"{self.rng.choice(_ZH)}（{n}）"

    def burst(self, b: int, n: int) -> str:
        if self.ocr:
            return self.next(n)
        return f"第{b + 1}条：请帮我查一下订单{10000 + n}的物流"


def _long(n: int, rng: random.Random) -> str:
    return f"【{n}】{_LONG}"[: rng.randint(240, 300)].rstrip()


def make_plan(phones: list[VirtualPhone], seed: int = 4) -> Plan:
    """300 messages: bursts, long texts and emoji, interleaved across phones over time."""
    rng = random.Random(seed)
    plan = Plan()
    per_phone: dict[int, list[Send]] = {}
    hierarchy = [i for i in range(PHONES) if i not in OCR_PHONES]
    budget = {i: OCR_MESSAGES_EACH for i in OCR_PHONES}
    rest = MESSAGES - sum(budget.values())
    for k, i in enumerate(hierarchy):
        budget[i] = rest // len(hierarchy) + (1 if k < rest % len(hierarchy) else 0)
    n = 0
    for i in range(PHONES):
        names = [c.name for c in phones[i].world.contacts()]
        if i % 3 == 0:  # customers the controller has never seen
            new = [f"新客户{i:02d}", f"Guest {i:02d}"][: 1 + (i % 2)]
            plan.new_contacts[i] = new
            names += new
        texts = Texts(rng, i in OCR_PHONES)
        sends: list[Send] = []
        burst_size = BURST if i in BURST_PHONES else OCR_BURST if i == min(OCR_PHONES) else 0
        burst_to = rng.choice(names)
        long_texts = 1 if i in OCR_PHONES else 2
        while len(sends) < budget[i] - burst_size:
            n += 1
            contact = rng.choice(names)
            if long_texts and (rng.random() < 0.2 or len(sends) == budget[i] - burst_size - 1):
                long_texts -= 1
                sends.append(Send(i, contact, _long(n, rng)))
            else:
                sends.append(Send(i, contact, texts.next(n)))
        cut = rng.randrange(len(sends) // 2, len(sends))
        burst = []
        for b in range(burst_size):
            n += 1
            burst.append(Send(i, burst_to, texts.burst(b, n), True))
        per_phone[i] = sends[:cut] + burst + sends[cut:]
    # interleave the phones at random, keeping each phone's own order
    queues = {i: list(s) for i, s in per_phone.items()}
    while queues:
        i = rng.choice(sorted(queues))
        plan.sends.append(queues[i].pop(0))
        if not queues[i]:
            del queues[i]
    assert len(plan.sends) == MESSAGES
    return plan


def inject(phones: list[VirtualPhone], plan: Plan, duration: float, stop: threading.Event) -> None:
    """Customers write: one message every `duration / 300` s, a burst's 20 in quick succession."""
    gap = duration / len(plan.sends)
    for send in plan.sends:
        if stop.is_set():
            return
        phones[send.phone].world.inject_message(send.contact, send.text)
        time.sleep(gap / 8 if send.burst else gap)


# -- the public chat API -----------------------------------------------------------------


def conversations(api: Api) -> list[dict[str, Any]]:
    response = api.http.get("/api/v1/conversations", params={"limit": 500})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def detail(api: Api, conversation_id: int) -> dict[str, Any]:
    response = api.http.get(f"/api/v1/conversations/{conversation_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert not body["has_more"]
    return body


def reply(api: Api, conversation_id: int, text: str) -> dict[str, Any]:
    response = api.http.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"text": text}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def message_status(api: Api, conversation_id: int, message_id: int) -> str:
    [message] = [m for m in detail(api, conversation_id)["messages"] if m["id"] == message_id]
    return str(message["status"])


def jobs(api: Api, **params: Any) -> list[dict[str, Any]]:
    response = api.http.get("/api/v1/jobs", params={"limit": 1000, "order": "newest", **params})
    assert response.status_code == 200, response.text
    return list(response.json())


# -- comparing the API with the phones -----------------------------------------------------


Key = tuple[int, str]  # (account id, contact name)


def phone_view(phone: VirtualPhone, contact: str, ocr: bool) -> list[tuple[str, str]]:
    """The conversation as the phone holds it, normalised as OCR reads it on OCR phones."""
    return [
        (m.direction, text_key(m.text) if ocr else m.text)
        for m in phone.world.messages_with(contact)
    ]


def api_view(messages: list[dict[str, Any]], ocr: bool) -> list[tuple[str, str]]:
    return [(m["direction"], text_key(m["text"]) if ocr else m["text"]) for m in messages]


def inbound_counts(phones: list[VirtualPhone], accounts: list[dict[str, Any]]) -> Counter[Key]:
    """Unread per conversation as the API must count it: the customer's messages after the
    phone's last answer (the history's answers were typed on the phone; every injected
    message follows them)."""
    counts: Counter[Key] = Counter()
    for phone, account in zip(phones, accounts, strict=True):
        for contact in phone.world.contacts():
            unread = 0
            for m in phone.world.messages_with(contact):
                unread = unread + 1 if m.direction == "in" else 0
            if unread:
                counts[(account["id"], contact.name)] = unread
    return counts


def api_inbound_counts(api: Api) -> Counter[Key]:
    """Unread per conversation (nobody marks them read in this test); the whole content is
    compared by `assert_api_matches_phones` once these agree."""
    return Counter(
        {(c["account_id"], c["contact"]["name"]): c["unread_count"] for c in conversations(api)}
    )


def assert_api_matches_phones(
    api: Api, phones: list[VirtualPhone], accounts: list[dict[str, Any]]
) -> int:
    """Every conversation in the API is exactly the phone's; returns the messages compared."""
    listed = {(c["account_id"], c["contact"]["name"]): c for c in conversations(api)}
    compared = 0
    expected: set[Key] = set()
    for i, (phone, account) in enumerate(zip(phones, accounts, strict=True)):
        ocr = i in OCR_PHONES
        for contact in phone.world.contacts():
            want = phone_view(phone, contact.name, ocr)
            if not want:
                continue
            key = (account["id"], contact.name)
            expected.add(key)
            assert key in listed, f"{phone.serial}: no conversation with {contact.name!r}"
            body = detail(api, listed[key]["id"])
            got = api_view(body["messages"], ocr)
            assert got == want, f"{phone.serial} / {contact.name}: {_first_difference(got, want)}"
            if ocr:
                inbound = [m for m in body["messages"] if m["direction"] == "in"]
                assert all(m["screen"].get("via") == "ocr" for m in inbound), contact.name
            compared += len(got)
    assert set(listed) == expected, f"conversations nobody had: {set(listed) - expected}"
    return compared


def _first_difference(got: list[tuple[str, str]], want: list[tuple[str, str]]) -> str:
    for k, (a, b) in enumerate(zip(got, want, strict=False)):
        if a != b:
            return f"message {k}: API {a!r}, phone {b!r}"
    return f"API has {len(got)} messages, the phone {len(want)}"


def diagnose(api: Api, want: Counter[Key]) -> str:
    """Why the API does not hold what the phones do: differing counts, sync job outcomes."""
    got = api_inbound_counts(api)
    lines = [
        f"{key}: API {got.get(key, 0)}, phone {want.get(key, 0)}"
        for key in sorted(set(got) | set(want))
        if got.get(key, 0) != want.get(key, 0)
    ]
    listed = {(c["account_id"], c["contact"]["name"]): c for c in conversations(api)}
    for key in sorted(set(got) | set(want)):
        if got.get(key, 0) != want.get(key, 0) and key in listed:
            for m in detail(api, listed[key]["id"])["messages"]:
                lines.append(f"   {m['seq']} {m['direction']} {m['text'][:40]!r} {m['screen']}")
    bad_jobs = {
        str(m["screen"].get("sync_job"))
        for key in set(got) | set(want)
        if got.get(key, 0) != want.get(key, 0) and key in listed
        for m in detail(api, listed[key]["id"])["messages"]
        if m["screen"].get("unaligned")
    }
    for job_id in sorted(bad_jobs):
        job = api.job(job_id)
        lines.append(f"job {job_id}: attempts {job['attempts']}, {job['state']}")
        for report in job["reports"]:
            sync = report["result"].get("data", {}).get("sync", {})
            lines.append(f"  report {report['owner']} {report['attempt']} {report['outcome']}")
            for read in sync.get("conversations", []):
                texts = [b["text"][:12] for b in read["bubbles"]]
                lines.append(f"    {read['contact_name']} {read['reached_anchor']} {texts}")
    syncs = jobs(api, kind="sync_chats")
    lines.append(f"sync jobs by state: {Counter(j['state'] for j in syncs)}")
    for job in syncs:
        if job["error"]:
            lines.append(f"{job['device_serial']} {job['state']}: {job['error']}")
    return "\n".join(lines[:400])


def settled_syncs(api: Api, serials: list[str], since: datetime) -> bool:
    """Has every phone finished a sync that was queued after `since`?"""
    for serial in serials:
        done = [
            j
            for j in jobs(api, kind="sync_chats", device_serial=serial, state="succeeded")
            if datetime.fromisoformat(j["created_at"]) > since
        ]
        if not done:
            return False
    return True


# -- killing the agent mid-send ----------------------------------------------------------


def hits_send(target: str, armed: threading.Event) -> Callable[[VirtualPhone, int, int, int], bool]:
    """A `FreezingDevice` trigger: the tap on Send in a conversation of `target`, once armed."""

    def trigger(phone: VirtualPhone, x: int, y: int, _taps: int) -> bool:
        return (
            armed.is_set()
            and phone.serial == target
            and phone.screen_label() == "conversation"
            and any(node.contains(x, y) for node in phone.find("btn_send"))
        )

    return trigger


def test_three_hundred_messages_on_ten_phones_arrive_once_and_replies_reach_customers_once(
    start_controller: ControllerFactory, api_for: Callable[[str], Api], tmp_path: Path
) -> None:
    started = time.monotonic()
    controller = start_controller(
        lease_seconds=6.0,
        chat_sync_tick=1.0,
        reaper_interval=0.5,
        chat_sync_busy_interval=2.0,
        chat_sync_interval=4.0,
        messages_per_minute=30,
    )
    api = api_for(controller.url)
    spec = SimFarmSpec(
        count=PHONES,
        host=HOST,
        seed=21,
        faults=FAULTY_PHONES,
        hide_chat_text=OCR_PHONES,
    )
    phones = build_phones(spec)
    serials = [phone.serial for phone in phones]
    plan = make_plan(phones)
    for i, names in plan.new_contacts.items():
        for name in names:
            phones[i].world.add_contact(name)

    # The first agent: its phones can freeze, its network can be cut (the kill in part 3).
    armed = threading.Event()
    devices = [FreezingDevice(p, hits_send(serials[KILLED_PHONE], armed)) for p in phones]
    transport = SeverableTransport()
    settings = agent_settings(controller.url, tmp_path / "agent", claim_interval=0.5)
    first = Supervisor(
        settings,
        as_devices(devices),
        client=ControllerClient(controller.url, AGENT_TOKEN, transport=transport),
    )
    first.start()
    second: SimAgent | None = None
    stop_injecting = threading.Event()
    try:
        assert first.wait_registered(30)
        accounts = [api.create_account(f"shop-{i:02d}", s) for i, s in enumerate(serials)]

        # -- 1. 300 customer messages while syncs run -------------------------------------
        injector = threading.Thread(
            target=inject, args=(phones, plan, INJECT_SECONDS, stop_injecting), daemon=True
        )
        injector.start()
        injector.join(120)
        assert not injector.is_alive()
        injected = time.monotonic()
        want = inbound_counts(phones, accounts)
        complete: dict[int, float] = {}  # account id → when the API had all its messages

        def all_in_api() -> bool:
            got = api_inbound_counts(api)
            for account in accounts:
                mine = {k: v for k, v in want.items() if k[0] == account["id"]}
                if account["id"] not in complete and all(got[k] == v for k, v in mine.items()):
                    complete[account["id"]] = time.monotonic() - injected
            return got == want

        try:
            wait_for(all_in_api, timeout=180, interval=1.0)
        except AssertionError:
            raise AssertionError(diagnose(api, want)) from None
        read_all = time.monotonic()
        print("per phone, s after the last message:", sorted(round(t) for t in complete.values()))
        compared = assert_api_matches_phones(api, phones, accounts)
        print(
            f"\n{MESSAGES} messages injected in {injected - started:.0f} s; all in the API "
            f"{read_all - injected:.1f} s later; {compared} messages compared"
        )

        # -- 2. a staff reply in a conversation of every phone ----------------------------
        listed = {(c["account_id"], c["contact"]["name"]): c for c in conversations(api)}
        replies = []
        for i, (phone, account) in enumerate(zip(phones, accounts, strict=True)):
            if i == KILLED_PHONE:
                continue
            contact = next(s.contact for s in reversed(plan.sends) if s.phone == i)
            text = (
                f"您好，已为您安排发货 🚚 单号 SF{1000 + i}"
                if i % 2
                else f"Hi! Order {i} ships today"
            )
            conversation = listed[(account["id"], contact)]
            replies.append(
                (phone, contact, text, conversation["id"], reply(api, conversation["id"], text))
            )

        def replies_delivered() -> bool:
            return all(
                message_status(api, cid, message["id"]) == "delivered"
                for _, _, _, cid, message in replies
            )

        wait_for(replies_delivered, timeout=150, interval=1.0)
        for phone, contact, text, _, _ in replies:
            sent = [m.text for m in phone.world.delivered_to(contact)]
            assert sent.count(text) == 1, (
                f"{phone.serial}: {text!r} reached {contact} {sent.count(text)} times"
            )
        replied = time.monotonic()
        print(f"{len(replies)} replies delivered in {replied - read_all:.1f} s")

        # -- 3. the agent is killed right after the tap on Send ---------------------------
        phone = phones[KILLED_PHONE]
        account = accounts[KILLED_PHONE]
        contacts = list(
            dict.fromkeys(s.contact for s in reversed(plan.sends) if s.phone == KILLED_PHONE)
        )
        contact = contacts[0]
        conversation_id = listed[(account["id"], contact)]["id"]
        killed_text = "这条回复发出的瞬间，代理进程被杀 ⚡"
        waiting_text = "The reply queued behind it"
        armed.set()
        killed = reply(api, conversation_id, killed_text)
        waiting = reply(api, conversation_id, waiting_text)
        frozen = devices[KILLED_PHONE]
        wait_for(frozen.frozen.is_set, timeout=60, interval=0.1)
        # the kill: nothing more leaves the first agent, every one of its threads stops dead
        transport.severed.set()
        first.stop_event.set()
        for device in devices:
            device.frozen.set()
        assert [m.text for m in phone.world.delivered_to(contact)].count(killed_text) == 1
        assert message_status(api, conversation_id, killed["id"]) == "sent"
        # the lease runs out: the reply is unconfirmed (and queued again to be checked)
        wait_for(
            lambda: message_status(api, conversation_id, killed["id"]) == "unconfirmed",
            timeout=30,
            interval=0.3,
        )

        second = SimAgent(settings, phones=phones)
        second.start()

        def both_delivered() -> bool:
            return (
                message_status(api, conversation_id, killed["id"]) == "delivered"
                and message_status(api, conversation_id, waiting["id"]) == "delivered"
            )

        wait_for(both_delivered, timeout=60, interval=0.5)
        sent = [m.text for m in phone.world.delivered_to(contact)]
        assert sent.count(killed_text) == 1, "the reply of the killed agent went out once"
        assert sent.count(waiting_text) == 1
        assert sent.index(killed_text) < sent.index(waiting_text)
        job = api.job(killed["job_id"])
        if job["state"] == "succeeded":
            assert job["result"]["outcome"] == "already_done", "checked on the phone, not resent"
        else:
            assert job["state"] == "cancelled", job  # seen delivered above the second reply
        print(f"the killed agent's reply: job {job['state']}")
        recovered = time.monotonic()
        print(f"killed mid-send: both replies delivered once {recovered - replied:.1f} s later")

        # -- 4. one more sync everywhere: nothing doubled ----------------------------------
        since = datetime.now(UTC)
        wait_for(lambda: settled_syncs(api, serials, since), timeout=60, interval=1.0)
        compared = assert_api_matches_phones(api, phones, accounts)
        faults = sum(len(p.fault_log) for p in phones)
        assert faults > 0, "the faulty phones suffered random interruptions"
        print(
            f"final check: {compared} messages equal on phones and API; {faults} faults; "
            f"{time.monotonic() - started:.0f} s in all"
        )
    finally:
        stop_injecting.set()
        if second is not None:
            second.stop(timeout=30)
        else:
            first.stop_event.set()
        for device in devices:
            device.release.set()
