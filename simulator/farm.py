"""Virtual phones for `phonefarm agent --sim N`: a small farm with some variety.

Phones alternate light/dark theme and zh-CN/en locale so a farm exercises the vision
paths a real rack would; each has its own world (its own account) and, optionally, its
own reproducible random interruptions.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.faults import FaultPlan
from simulator.phone import VirtualPhone
from simulator.theme import hex_color
from simulator.world import Account, World

_THEMES = ("light", "dark")
_LOCALES = ("zh-CN", "en")
_ACCOUNT_COLORS = ("#F2A65A", "#5AA9F2", "#7BC67E", "#C77DFF", "#F25A7B", "#4DB6AC")


@dataclass(frozen=True)
class SimFarmSpec:
    """What virtual phones to build.

    Attributes:
        count: how many phones.
        host: the agent's host name (serials are ``<host>-sim<NN>``).
        seed: base seed of the phones' fault plans (phone i uses seed + i).
        faults: random interruptions (dialogs, banners, toasts, slow frames, freezes) on
            every phone (True), none (False), or the phones of these indexes (0-based).
        width: screen width in pixels.
        height: screen height in pixels.
        density: dots per inch.
        vary_look: alternate themes and locales (all light zh-CN when False).
        hide_chat_text: indexes (0-based) of the phones whose accessibility hierarchy
            hides chat text, as some app versions do (chats are read by OCR there).
    """

    count: int
    host: str = "local"
    seed: int = 1
    faults: bool | frozenset[int] = True
    width: int = 720
    height: int = 1600
    density: int = 320
    vary_look: bool = True
    hide_chat_text: frozenset[int] = frozenset()


def sim_serial(host: str, index: int) -> str:
    """The serial of the `index`-th (0-based) virtual phone of a host."""
    return f"{host}-sim{index + 1:02d}"


def build_phones(spec: SimFarmSpec) -> list[VirtualPhone]:
    """Build the farm's virtual phones.

    Raises:
        ValueError: `count` is not positive, or the screen is not a valid phone screen.
    """
    if spec.count < 1:
        raise ValueError("a sim farm needs at least one phone")
    phones = []
    for i in range(spec.count):
        serial = sim_serial(spec.host, i)
        account = Account(
            id=f"simchat_{serial}",
            name=f"好物小店 {i + 1:02d}",
            avatar_color=hex_color(_ACCOUNT_COLORS[i % len(_ACCOUNT_COLORS)]),
        )
        seed = spec.seed + i
        faulty = spec.faults if isinstance(spec.faults, bool) else i in spec.faults
        plan = FaultPlan.random_interruptions(seed) if faulty else FaultPlan(seed=seed)
        phones.append(
            VirtualPhone(
                serial=serial,
                width=spec.width,
                height=spec.height,
                density=spec.density,
                theme=_THEMES[i % 2] if spec.vary_look else "light",
                locale=_LOCALES[(i // 2) % 2] if spec.vary_look else "zh-CN",
                world=World(account=account),
                faults=plan,
                hierarchy_hides_chat_text=i in spec.hide_chat_text,
            )
        )
    return phones
