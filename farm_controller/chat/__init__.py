"""The chat store: contacts, conversations and messages read off the phones and written by
staff, and what keeps them right-in-time on every pane.

| module | concept |
|---|---|
| `inbox.py` | a `sync_chats` result → messages, exactly once (`farm_protocol.chat_align`) |
| `replies.py` | a person's reply → a `send_message` job → delivery status; the reply cap |
| `planning.py` | when each account's chats are read next (`sync_chats` jobs, anchors) |
| `sync_job.py` | `SyncChatsJob`: a `sync_chats` job's task at claim, its result merged at finish |
| `send_job.py` | `SendMessageJob`: a `send_message` job's task, its window, a late success |
| `realtime.py` | the in-process event hub the WebSocket serves |
| `access.py` | loading what a user may see (everything else is a 404) |
| `presenters.py` | rows as API responses |
"""
