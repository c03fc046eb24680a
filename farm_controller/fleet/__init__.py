"""Hosts and phones: who is connected, in what state, and what their screens show now.

    registry.py   registration, heartbeats, state history, the reaper of silent phones
    live_hub.py   LiveHub: agents' screen links ↔ browsers watching (streams only while
                  watched), remote-control holds and commands
    overview.py   the farm grid and the device page, read in a few queries

"Screens" elsewhere in the project means an app's screens (what a flow step expects);
what a phone shows right now is its *live* screen.
"""
