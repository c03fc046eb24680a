"""Light and dark palettes of the virtual phone (SimChat's own colours)."""

from __future__ import annotations

from dataclasses import dataclass

Color = tuple[int, int, int]

ACCENT: Color = (0x1E, 0x9E, 0x6A)


def hex_color(value: str) -> Color:
    """`"#1E9E6A"` → `(30, 158, 106)`."""
    value = value.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def mix(a: Color, b: Color, t: float) -> Color:
    """The colour `t` of the way from `a` to `b`."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


@dataclass(frozen=True)
class Theme:
    """Every colour a screen renderer may use."""

    name: str
    dark: bool
    background: Color
    surface: Color
    bar: Color
    divider: Color
    text: Color
    text_secondary: Color
    text_hint: Color
    accent: Color
    on_accent: Color
    link: Color
    icon: Color
    tab_inactive: Color
    chat_background: Color
    bubble_in: Color
    bubble_in_text: Color
    bubble_out: Color
    bubble_out_text: Color
    badge: Color
    input_field: Color
    disabled: Color
    disabled_text: Color
    pressed: Color
    tile: Color
    nav_bar: Color
    nav_glyph: Color
    dialog: Color
    system_dialog: Color
    system_accent: Color
    toast: Color
    toast_text: Color
    banner: Color
    picker_background: Color


LIGHT = Theme(
    name="light",
    dark=False,
    background=hex_color("#F2F3F5"),
    surface=hex_color("#FFFFFF"),
    bar=hex_color("#F2F3F5"),
    divider=hex_color("#E3E5E8"),
    text=hex_color("#17191C"),
    text_secondary=hex_color("#868A91"),
    text_hint=hex_color("#B4B8BE"),
    accent=ACCENT,
    on_accent=hex_color("#FFFFFF"),
    link=hex_color("#3D5F8C"),
    icon=hex_color("#1F2226"),
    tab_inactive=hex_color("#8C9096"),
    chat_background=hex_color("#ECEEF1"),
    bubble_in=hex_color("#FFFFFF"),
    bubble_in_text=hex_color("#17191C"),
    bubble_out=hex_color("#A8E6C8"),
    bubble_out_text=hex_color("#0F2A1E"),
    badge=hex_color("#F0443A"),
    input_field=hex_color("#FFFFFF"),
    disabled=hex_color("#E4E6E9"),
    disabled_text=hex_color("#A9ADB3"),
    pressed=hex_color("#E8EAED"),
    tile=hex_color("#F0F1F3"),
    nav_bar=hex_color("#F2F3F5"),
    nav_glyph=hex_color("#3A3D42"),
    dialog=hex_color("#FFFFFF"),
    system_dialog=hex_color("#F4F1F7"),
    system_accent=hex_color("#3F5F9A"),
    toast=hex_color("#2E3135"),
    toast_text=hex_color("#FFFFFF"),
    banner=hex_color("#FFFFFF"),
    picker_background=hex_color("#FFFFFF"),
)

DARK = Theme(
    name="dark",
    dark=True,
    background=hex_color("#111214"),
    surface=hex_color("#1C1D20"),
    bar=hex_color("#18191B"),
    divider=hex_color("#2B2D31"),
    text=hex_color("#E8EAED"),
    text_secondary=hex_color("#8F949B"),
    text_hint=hex_color("#5E636A"),
    accent=hex_color("#24A874"),
    on_accent=hex_color("#FFFFFF"),
    link=hex_color("#8FA8CC"),
    icon=hex_color("#E3E5E8"),
    tab_inactive=hex_color("#8A8F96"),
    chat_background=hex_color("#111214"),
    bubble_in=hex_color("#2A2C30"),
    bubble_in_text=hex_color("#E8EAED"),
    bubble_out=hex_color("#1F7A55"),
    bubble_out_text=hex_color("#F2FFF8"),
    badge=hex_color("#E5453C"),
    input_field=hex_color("#26282B"),
    disabled=hex_color("#2C2E32"),
    disabled_text=hex_color("#62676E"),
    pressed=hex_color("#25272A"),
    tile=hex_color("#26282B"),
    nav_bar=hex_color("#111214"),
    nav_glyph=hex_color("#D5D8DC"),
    dialog=hex_color("#232427"),
    system_dialog=hex_color("#2B2930"),
    system_accent=hex_color("#A8C4F0"),
    toast=hex_color("#E6E8EB"),
    toast_text=hex_color("#17191C"),
    banner=hex_color("#2A2B2F"),
    picker_background=hex_color("#111214"),
)


def theme_named(name: str) -> Theme:
    """The palette called `name` ("light" or "dark").

    Raises:
        ValueError: unknown name.
    """
    for theme in (LIGHT, DARK):
        if theme.name == name:
            return theme
    raise ValueError(f"unknown theme {name!r} (expected 'light' or 'dark')")
