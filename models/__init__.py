"""SQLAlchemy tables, one module per aggregate."""

from models.access import ApiToken, DashboardSession, InstanceSecret, Role
from models.audit import AuditEntry
from models.base import Base
from models.event import Event, EventSource, EventStatus, Platform, QuestionMode, SourceState
from models.mail import EmailCursor
from models.platforms import TelegramChat, TelegramInbox, TelegramOffset, YoutubeQuotaDay
from models.question import (
    MAX_TEXT,
    Ask,
    ChatterCount,
    MergeBlock,
    Question,
    QuestionStatus,
    Vote,
)
from models.setaside import SetAsideMessage
from models.suggestion import Suggestion, SuggestionStatus

__all__ = [
    "MAX_TEXT",
    "ApiToken",
    "Ask",
    "AuditEntry",
    "Base",
    "ChatterCount",
    "DashboardSession",
    "EmailCursor",
    "Event",
    "EventSource",
    "EventStatus",
    "InstanceSecret",
    "MergeBlock",
    "Platform",
    "Question",
    "QuestionMode",
    "QuestionStatus",
    "Role",
    "SetAsideMessage",
    "SourceState",
    "Suggestion",
    "SuggestionStatus",
    "TelegramChat",
    "TelegramInbox",
    "TelegramOffset",
    "Vote",
    "YoutubeQuotaDay",
]
