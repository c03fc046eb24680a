"""What the tests and the benches in `scripts/` share: one copy each.

- `waiting`: `wait_for`, `wait_until`, `free_port`.
- `images`: photo-like PNGs, photo files, plain images, pixel hashes.
- `clock`: `FakeClock`, the controller's and the queue's stopped clock.
- `servers`: `serving(app)`, an ASGI app on a loopback port for a `with` block.
- `users`: console users with known passwords and tokens; cheap password hashing.
- `postgres`: a fresh schema on the test PostgreSQL server (`PHONEFARM_TEST_PG_URL`).
- `farm`: a whole farm on loopback (controller, agent settings and a running sim agent,
  sim control, ground-truth checks, a device that freezes like a killed agent).
- `live_farm`: `LiveFarm`, controller and agent with the screen link, in-process.
- `adb`: a private adb server (own port and HOME).
- `bench`: the benches' controller in its own process, and percentiles.

Imported as `tests.helpers.<module>`: the project's editable install maps the `tests` and
`tests.helpers` packages (pyproject.toml), so pytest and `.venv/bin/python scripts/...`
find them without touching `sys.path`.
"""
