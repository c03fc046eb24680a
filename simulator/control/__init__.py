"""The loopback control API of a sim-mode agent (`phonefarm agent --sim N --sim-control`).

Tests and the demo use it to see what really happened on each virtual phone (its feed,
its chats) and to make things happen (a customer writes, a dialog pops up, the phone
drops off). It is a test instrument, so it only ever binds to a loopback address.

    app.py           create_sim_control_app(phones) — the FastAPI routes
    schemas.py       the JSON it answers with
    ground_truth.py  world objects → schemas (image hashes over RGB pixels)
    server.py        LoopbackServer — uvicorn in a thread, loopback only
"""
