"""Flows: run a profile's step lists on any `Device`, verifying every step.

- `app`: a profile compiled for running (templates loaded)
- `observe`: settle on a stable frame, identify it, find targets
- `recovery`: get rid of known interruptions
- `steps`: what each step verb does
- `feed`: read the feed to tell whether a post is there
- `chat_screen`: what one chat screen shows (bubbles, chat-list rows), hierarchy or pixels
- `chat_read`: read a conversation upwards until the known tail shows
- `chat_sync`: the chat verbs — open a chat, sync new messages, check a send
- `runner`: the loop that runs a flow and builds its result
"""
