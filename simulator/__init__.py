"""The virtual phone: a simulated Android phone running SimChat, our own messenger app.

A test and demo asset, never shipped to a USB host: the agent never imports it. The agent's
production code drives it through `simulator.device.SimulatedDevice` (the agent's `Device`
protocol) exactly like a real phone, or over the adbd wire (`adbd/`). Layout of the package:

    device.py        SimulatedDevice — the `Device` protocol over an in-process VirtualPhone
    farm.py          SimFarmSpec, build_phones — virtual phones for `--sim N`
    host.py          SimAgent — the agent's supervisor over virtual phones + the control API
    control/         the loopback sim-control API (ground truth, customers, faults)
    adbd/            the adbd wire protocol and uiautomator2 RPC over a virtual phone

    phone.py         VirtualPhone — the facade: input, output, apps, faults, test helpers
    navigation.py    what taps and keys do: the screen stack, dialogs, node actions
    compositor.py    state → cached frames: scenes, transitions, overlays, system bars
    animation.py     transition timing and in-between frames
    state.py         the phone's mutable state; app_process.py: the running app
    world.py         ground truth: contacts, chats, feed (demo_content.py seeds it)
    faults.py        reproducible random interruptions
    screens/         one renderer per screen, drawing on canvas.py with theme/strings/fonts
    hierarchy.py     nodes → uiautomator XML
    gallery.py       `python -m simulator.gallery OUTDIR` renders every screen

Nothing here imports adbutils, uiautomator2, agent.vision or agent.flows; only `host.py`
imports agent.host (the supervisor it runs). The import-linter contracts keep it so.
"""
