"""The HTTP API: the public API under /api/v1 and the agent API under /api/v1/agent."""
