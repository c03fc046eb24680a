"""`phonefarm demo` — the whole farm on this machine: controller, agent, virtual phones.

It serves the controller (SQLite in `var/demo/`) on a loopback port, starts an agent with
N virtual phones in the same process, gives each phone an account (the last one in
confirm mode, so the approve-from-a-screenshot path can be tried), prints where
everything is and a curl command that schedules a post, and runs until Ctrl-C.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from PIL import Image, ImageDraw
from rich.panel import Panel
from rich.table import Table

from phonefarm.agent_command import (
    agent_settings,
    console,
    err_console,
    print_event,
    setup_logging,
    wait_for_shutdown,
)
from simulator.control.server import LoopbackServer
from simulator.farm import SimFarmSpec
from simulator.host import SimAgent
from simulator.phone import VirtualPhone

LOOPBACK = "127.0.0.1"


def _sample_photos(folder: Path) -> list[Path]:
    """Two product photos to post (written once)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (hue, label) in enumerate(((200, "NEW ARRIVAL"), (40, "20% OFF")), start=1):
        path = folder / f"product-{i}.jpg"
        if not path.exists():
            img = Image.new("RGB", (1200, 900))
            draw = ImageDraw.Draw(img)
            for y in range(900):
                shade = int(60 + 140 * y / 900)
                draw.line([(0, y), (1200, y)], fill=((hue + shade) % 256, shade, 255 - hue))
            draw.rounded_rectangle([380, 220, 820, 700], 40, fill=(245, 240, 230), width=8)
            draw.ellipse([520, 330, 680, 490], fill=(hue, 90, 60))
            draw.rectangle([430, 560, 770, 620], fill=(30, 30, 30))
            draw.text((450, 570), label, fill=(255, 255, 255))
            img.save(path, quality=92)
        paths.append(path)
    return paths


def _seed_accounts(api: httpx.Client, phones: list[VirtualPhone]) -> list[dict[str, Any]]:
    """One account per phone (kept from earlier runs); the last phone's in confirm mode."""
    accounts = []
    for i, phone in enumerate(phones):
        found = api.get("/api/v1/accounts", params={"device_serial": phone.serial})
        found.raise_for_status()
        if found.json():
            accounts.append(found.json()[0])
            continue
        confirm = len(phones) > 1 and i == len(phones) - 1
        response = api.post(
            "/api/v1/accounts",
            json={
                "name": phone.world.account.name,
                "device_serial": phone.serial,
                "timezone": "Asia/Shanghai",
                "daily_post_cap": 50,
                "publish_mode": "confirm" if confirm else "auto",
                "tags": ["demo"],
            },
        )
        response.raise_for_status()
        accounts.append(response.json())
    return accounts


def _curl(url: str, token: str, account_ids: list[int], photos: list[Path]) -> str:
    ids = ",".join(str(i) for i in account_ids)
    post = (
        '{"text":"新品上市 🎉 限时八折","account_ids":[' + ids + "],"
        '"run_at":"\'"$(date -u -d "+20 seconds" +%Y-%m-%dT%H:%M:%SZ)"\'"}'
    )
    files = " ".join(f"-F files=@{shlex.quote(str(p))}" for p in photos)
    return (
        f"curl -s {url}/api/v1/posts -H 'Authorization: Bearer {token}' \\\n"
        f"  -F 'post={post}' \\\n  {files}"
    )


def demo(
    phones: Annotated[int, typer.Option(help="virtual phones", min=1, max=64)] = 8,
    port: Annotated[int, typer.Option(help="controller port on 127.0.0.1", min=1)] = 8000,
    seed: Annotated[int, typer.Option(help="seed of the phones' random faults")] = 7,
    faults: Annotated[bool, typer.Option(help="random dialogs, banners, slow frames")] = True,
    data_dir: Annotated[Path, typer.Option(help="database, media, evidence")] = Path("var/demo"),
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error")] = "warning",
) -> None:
    """Run controller + agent + N virtual phones here until Ctrl-C; print URL and token."""
    from farm_controller import Settings, create_app
    from farm_controller.settings import DEMO_HOST

    setup_logging(log_level)
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        demo=True,
        database_url=f"sqlite:///{(data_dir / 'phonefarm.db').resolve()}",
        media_dir=data_dir / "media",
        evidence_dir=data_dir / "evidence",
    )
    assert settings.api_token is not None
    api_token = settings.api_token.get_secret_value()
    from farm_controller.auth.bootstrap import ensure_demo_admin

    web = create_app(settings)
    try:
        controller = LoopbackServer(web, LOOPBACK, port, lifespan=True)
    except OSError as exc:
        err_console.print(f"[red]error:[/] port {port} is taken ({exc}); try --port")
        raise typer.Exit(2) from None
    controller.start()
    url = controller.url
    admin = ensure_demo_admin(web.state.runtime)
    try:
        control: tuple[str, int] = (LOOPBACK, port + 1)
        LoopbackServer.check_free(*control)
    except OSError:
        control = (LOOPBACK, 0)
    agent = SimAgent(
        agent_settings(
            controller_url=url,
            token=settings.agent_tokens[DEMO_HOST].get_secret_value(),
            host=DEMO_HOST,
            workdir=data_dir / "agent",
        ),
        SimFarmSpec(count=phones, host=DEMO_HOST, seed=seed, faults=faults),
        control=control,
        listener=print_event,
    )
    agent.start()
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {api_token}"}) as api:
        accounts = _seed_accounts(api, agent.phones)
    table = Table("account", "name", "phone", "mode", box=None)
    for account in accounts:
        table.add_row(
            str(account["id"]), account["name"], account["device_serial"], account["publish_mode"]
        )
    photos = _sample_photos(data_dir / "samples")
    confirm = [a for a in accounts if a["publish_mode"] == "confirm"]
    lines = [
        f"dashboard    {url}/  (sign in as {admin.username} / {admin.password})",
        f"API + docs   {url}/docs",
        f"API token    {api_token}",
        f"sim control  {agent.control_url}/docs",
        f"data         {data_dir.resolve()}",
    ]
    console.print(Panel("\n".join(lines), title=f"phonefarm demo: {phones} virtual phones"))
    console.print(table)
    console.print("\n[bold]Schedule a post for every account (runs in 20 s):[/]")
    console.print(_curl(url, api_token, [a["id"] for a in accounts], photos), soft_wrap=True)
    if confirm:
        console.print(
            f"\n[bold]{confirm[0]['name']}[/] is in confirm mode: its post waits for\n"
            f"  curl -s -X POST {url}/api/v1/posts/POST_ID/targets/{confirm[0]['id']}/confirm"
            f" -H 'Authorization: Bearer {api_token}'",
            soft_wrap=True,
        )
    first = agent.phones[0]
    customer = first.world.contacts()[0].name
    body = shlex.quote(f'{{"contact": "{customer}", "text": "你好，请问还有货吗？"}}')
    console.print(
        f"\n[bold]A customer writes to {first.serial}[/] (it shows in {url}/chat in seconds):\n"
        f"  curl -s {agent.control_url}/phones/{first.serial}/messages "
        f"-H 'Content-Type: application/json' -d {body}",
        soft_wrap=True,
    )
    console.print("\nWatch: GET /api/v1/posts, /api/v1/devices; Ctrl-C stops everything.\n")
    try:
        wait_for_shutdown()
        agent.stop(timeout=30)
        controller.stop()
    except KeyboardInterrupt:
        err_console.print("quitting now: leases of unfinished jobs expire and get checked")
        raise typer.Exit(130) from None
    console.print("demo stopped; the database stays in " + str(data_dir))
