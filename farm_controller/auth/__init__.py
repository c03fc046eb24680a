"""Signing in and being allowed: users, passwords, sessions, tokens, the route table.

::

    request ──▶ api.audit_middleware.AuditMiddleware (request id; records state changes afterwards)
            ──▶ api.access_control.AccessControl
                   route ─▶ policy.ROUTE_ROLES ─▶ public | agent token | roles
                   who   ─▶ Authorization: Bearer (API token, personal token)
                            or the session cookie (+ X-CSRF-Token on changes)
            ──▶ the route (reads the `principal.User` from the request)

| module | concept |
|---|---|
| `policy.py` | THE table: every route → who may call it (enforced by `api.access_control`) |
| `passwords.py` | argon2id hashes |
| `sessions.py` | browser sessions (HttpOnly cookie, CSRF token) |
| `tokens.py` | personal API tokens (sha256 at rest, shown once) |
| `principal.py` | `User`: who a request is made by (role, accounts served), their account filter |
| `users.py` | user rows: create, change, load as a `principal.User` |
| `credentials.py` | who a token or session cookie belongs to (requests and sockets) |
| `access_watch.py` | `AccessWatch`: an open WebSocket keeps only the access it still has |
| `names.py` | user names as compared: NFKC + casefold, one key per name |
| `ratelimit.py` | sign-in limits that brute force meets and the owner's known browser passes |
| `bootstrap.py` | the first admin: `phonefarm admin create`, `ensure_demo_admin` |
"""
