"""Signing in and being allowed: users, passwords, sessions, tokens, the route table.

::

    request ──▶ audit.AuditMiddleware (request id; records state changes afterwards)
            ──▶ auth.middleware.AccessControl
                   route ─▶ policy.ROUTE_ROLES ─▶ public | agent token | roles
                   who   ─▶ Authorization: Bearer (API token, personal token)
                            or the session cookie (+ X-CSRF-Token on changes)
            ──▶ the route (reads the `users.User` from the request)

| module | concept |
|---|---|
| `policy.py` | THE table: every route → who may call it |
| `middleware.py` | authenticate, authorize, check CSRF, for every request |
| `passwords.py` | argon2id hashes |
| `sessions.py` | browser sessions (HttpOnly cookie, CSRF token) |
| `tokens.py` | personal API tokens (sha256 at rest, shown once) |
| `accounts.py` | users: create, change, load as a `users.User` |
| `ratelimit.py` | failed sign-ins per user name and per address |
| `bootstrap.py` | the first admin: `phonefarm admin create`, `ensure_demo_admin` |
"""
