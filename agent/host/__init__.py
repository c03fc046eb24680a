"""The host agent: one process per USB host that turns its phones into farm workers.

    supervisor.py   Supervisor — registers the host, heartbeats, runs one worker per phone
    heartbeat.py    HeartbeatLoop — register, heartbeat, route decisions, re-register
    registration.py Registration — what the controller knows of this host, and its pacing
    worker.py       DeviceWorker — claim a job for its phone, run it, finish it; probe the phone
    publishing.py   Publisher — a `publish_post` job on one phone (auto and confirm mode)
    chatting.py     SyncChatsHandler, SendMessageHandler — `sync_chats` / `send_message` jobs
    shared_ocr.py   LazyOcrEngine — the process's one OCR engine, loaded on first use
    lease.py        LeaseKeeper — renews a job's lease every lease/3 in its own thread
    decisions.py    DecisionBoard — people's confirm/reject answers, waited on by workers
    reporting.py    StepReporter — posts each finished flow step; merges flow results
    media_cache.py  MediaCache — downloads a post's images, checks sha256, caches by hash
    app_catalog.py  AppCatalog — app profiles compiled once, shared by the workers
    spool.py        FinishSpool — finish reports and evidence on disk until acknowledged
    outbox.py       Outbox — delivers spooled finishes with backoff, resends leftovers
    screen_stream.py ScreenLink — live screens (JPEG, only while watched) and remote input
    remote_control.py ControlGate — a person's hold on a phone pauses its jobs
    client.py       ControllerClient — the agent API over httpx (farm_protocol types only);
                    UnreadableJob — a claimed job whose task does not validate
    handler.py      JobHandler — what a worker asks of the handler of one job kind
    backoff.py      Backoff — exponential delays with jitter and a cap
    settings.py     AgentSettings — read once at the entry point and passed down
    adb_agent.py    AdbAgent — a supervisor over the adb server's phones, following the plug
                    (each phone an `agent.devices.attached.AttachedPhone`)
    phone_apps.py   PhoneApps — one phone's app profiles, chosen from its app versions
    events.py       JobEvent — what listeners (the CLI, the demo, benches) hear
    errors.py       the exception tree

It speaks to the controller only through `farm_protocol.agent_api` over HTTP. Virtual
phones get the same supervisor from `simulator.host.SimAgent`.
"""
