"""What can go wrong between the agent and the controller.

AgentError
├── ControllerError                 the controller did not do what was asked
│   ├── ControllerUnavailableError  no answer, a timeout, a 5xx, 408 or 429: try again later
│   └── ControllerRejectedError     another 4xx: the request is wrong, do not resend it as is
│       └── LeaseLostError          409: the controller already decided about the job
└── MediaError                      a downloaded image does not match its sha256
"""

from __future__ import annotations


class AgentError(Exception):
    """Base of the agent host's own errors."""


class ControllerError(AgentError):
    """A request to the controller failed."""


class ControllerUnavailableError(ControllerError):
    """The controller did not answer usefully now; the same request may work later."""


class ControllerRejectedError(ControllerError):
    """The controller refused the request (a 4xx other than 408 and 429).

    Args:
        status: the HTTP status code.
        message: what the controller said, flattened to one line.
        kind: the error's ``type`` from the response body, when it named one.
    """

    def __init__(self, status: int, message: str, kind: str = "") -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message
        self.kind = kind


class LeaseLostError(ControllerRejectedError):
    """409: the job is no longer ours (the controller has already decided about it)."""


class MediaError(AgentError):
    """A post's image could not be fetched intact."""
