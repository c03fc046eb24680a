"""Jobs as the controller handles them, whatever their kind.

    agent_side.py  the agent API's side: claim, renew, report steps, park, finish
    control.py     a person's retry and cancel
    listing.py     the console's job list: newest first, by state, kind, phone or account
    evidence.py    agents' screenshots: checked, stored by content, listed per job

The queue itself (leases, retries, the store contract) is `farm_queue`.
"""
