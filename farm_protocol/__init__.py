"""Wire types shared by the agent and the controller (pydantic models, no I/O).

Nothing here imports any other package of the repository.
"""
