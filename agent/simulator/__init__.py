"""The virtual phone: a simulated Android phone running SimChat, our own messenger app.

Production code drives it through `agent.devices.simulated.SimulatedDevice` exactly like
a real phone. Layout of the package:

    phone.py         VirtualPhone — the facade: input, output, apps, faults, test helpers
    navigation.py    what taps and keys do: the screen stack, dialogs, node actions
    compositor.py    state → cached frames: scenes, transitions, overlays, system bars
    animation.py     transition timing and in-between frames
    state.py         the phone's mutable state; app_process.py: the running app
    world.py         ground truth: contacts, chats, feed (demo_content.py seeds it)
    faults.py        reproducible random interruptions
    screens/         one renderer per screen, drawing on canvas.py with theme/strings/fonts
    hierarchy.py     nodes → uiautomator XML
    gallery.py       `python -m agent.simulator.gallery OUTDIR` renders every screen

Nothing here imports adbutils, uiautomator2, agent.vision or agent.flows.
"""
