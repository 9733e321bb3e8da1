"""What became of the messages the consumer received: one outcome per message, per batch."""

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["BatchReport", "MessageOutcome", "Outcome", "excerpt", "short"]

_EXCERPT_CHARS = 120
_REASON_CHARS = 300


class Outcome(StrEnum):
    """What became of one message (see `evaluation_worker.consumer`)."""

    STARTED = "started"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    DEAD_LETTER = "dead_letter"
    RETRY = "retry"

    @property
    def acknowledged(self) -> bool:
        """True when the message is deleted."""
        return self in (Outcome.STARTED, Outcome.DUPLICATE, Outcome.IGNORED)


@dataclass(frozen=True)
class MessageOutcome:
    """The outcome of one message.

    Attributes:
        message_id: The SQS message id.
        outcome: What became of it.
        workflow_id: The evaluation's workflow id, once the event was valid.
        reason: Why it was ignored, dead-lettered or left for a retry (short, readable).
    """

    message_id: str
    outcome: Outcome
    workflow_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class BatchReport:
    """The outcomes of one received batch."""

    outcomes: tuple[MessageOutcome, ...] = ()

    @property
    def received(self) -> int:
        """Messages in the batch."""
        return len(self.outcomes)

    def count(self, outcome: Outcome) -> int:
        """Messages of the batch with that outcome."""
        return sum(1 for o in self.outcomes if o.outcome is outcome)

    def __str__(self) -> str:
        counts = Counter(o.outcome.value for o in self.outcomes)
        return f"{self.received} message(s): " + ", ".join(
            f"{name}={n}" for name, n in sorted(counts.items())
        )


def short(text: str, limit: int = _REASON_CHARS) -> str:
    """``text``, cut to ``limit`` characters (a reason in a log line or an outcome)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def excerpt(body: str) -> str:
    """The start of a message body, quoted, for a log line (its length when cut)."""
    if len(body) <= _EXCERPT_CHARS:
        return repr(body)
    return f"{body[:_EXCERPT_CHARS]!r}... ({len(body)} chars)"
