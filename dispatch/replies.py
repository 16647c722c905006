"""What a worker's SMS means: take, decline, withdraw, opt out or in, help, or free text.

Case and stray spaces or punctuation never matter. Accept, decline and withdraw may
carry the order code ("YES 4821", "да, 4821"). The opt-out keywords that Twilio itself
enforces count only when the keyword is the whole message: "STOP 4821" or "we must stop"
are not opt-outs, while "Stop!" is.
"""
import re
from dataclasses import dataclass

ACCEPT = {"yes", "y", "1", "да", "+", "ok", "ок"}
DECLINE = {"no", "n", "0", "нет", "-"}
DROP = {"drop", "отказ"}
CONFIRM = {"confirm"}  # reminders ask to "reply 1 to confirm": 1 is ACCEPT, read in context
STOP = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke", "стоп"}
START = {"start", "unstop", "yes start", "старт"}
HELP = {"help", "info", "помощь"}

_WORDS = re.compile(r"[\w+\-]+", re.UNICODE)
_CODE = re.compile(r"^\d{4,6}$")


@dataclass(frozen=True)
class Reply:
    kind: str  # accept | decline | drop | stop | start | help | text
    code: str | None = None


def parse(body: str) -> Reply:
    """Return what the SMS body asks for."""
    text = (body or "").strip().lower().replace("ё", "е")
    words = _WORDS.findall(text)
    if not words:
        return Reply("text")
    whole = " ".join(words)
    if whole in STOP:
        return Reply("stop")
    if whole in START or (len(words) == 1 and words[0] in START):
        return Reply("start")
    if whole in HELP:
        return Reply("help")
    head, rest = words[0], words[1:]
    code = rest[0] if len(rest) == 1 and _CODE.match(rest[0]) else None
    if rest and code is None:
        return Reply("text")  # "yes but only after 10" is for a person to read
    if head in ACCEPT or head in CONFIRM:
        return Reply("accept", code)
    if head in DECLINE:
        return Reply("decline", code)
    if head in DROP:
        return Reply("drop", code)
    return Reply("text")
