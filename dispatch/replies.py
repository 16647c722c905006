"""What a worker's SMS means: take, decline, withdraw, opt out or in, help, or free text.

Case and stray spaces or punctuation never matter. Accept, decline and withdraw may
carry the order code ("YES 4821", "да, 4821"). The opt-out keywords that Twilio itself
enforces count only when the keyword is the whole message: "STOP 4821" or "we must stop"
are not opt-outs, while "Stop!" is.

People write the way they speak: "да, буду", "Да, приду 4107", "нет, не смогу", "I'll be there".
Words that only restate the answer (SAYS_YES after a yes, SAYS_NO after a no) are read past; a
few whole phrases ("буду", "не смогу") are answers on their own. Anything more ("yes but only
after 10", "да, но опоздаю") is for a person to read.
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

# Words that only repeat a yes or a no; "не" alone restates a no, never a yes ("да не знаю" is text).
SAYS_YES = {"буду", "приду", "выйду", "иду", "еду", "согласен", "согласна", "конечно", "хорошо", "беру",
            "спасибо", "i", "ll", "i'll", "will", "be", "there", "come", "coming", "sure", "thanks", "please"}
SAYS_NO = {"не", "смогу", "могу", "сможем", "приду", "буду", "выйду", "получится", "занят", "занята",
           "извините", "простите", "спасибо", "sorry", "can", "t", "cannot", "can't", "busy", "thanks"}
NEEDS_NOT = {"смогу", "могу", "сможем", "приду", "буду", "выйду", "получится"}
# Whole messages that are an answer without the keyword.
PHRASES = {"буду": "accept", "приду": "accept", "выйду": "accept", "беру": "accept", "i ll be there": "accept",
           "не смогу": "decline", "не могу": "decline", "не приду": "decline", "не получится": "decline",
           "не буду": "decline", "can t": "decline", "cannot": "decline"}

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
    codes = [w for w in words if _CODE.match(w)]
    if len(codes) > 1:
        return Reply("text")  # two orders in one answer: a person decides
    code = codes[0] if codes else None
    said = [w for w in words if w != code]
    if " ".join(said) in PHRASES:
        return Reply(PHRASES[" ".join(said)], code)
    head, rest = said[0] if said else "", said[1:]
    if head in ACCEPT or head in CONFIRM:
        kind, restating = "accept", SAYS_YES
    elif head in DECLINE:
        kind, restating = "decline", SAYS_NO
    elif head in DROP:
        kind, restating = "drop", SAYS_NO
    else:
        return Reply("text")
    if any(w not in restating for w in rest) or (kind != "accept" and _unnegated(rest)):
        return Reply("text")  # "yes but only after 10", "нет, буду позже": for a person to read
    return Reply(kind, code)


def _unnegated(words: list[str]) -> bool:
    """Whether a verb of coming stands in a no without its "не" ("нет, приду" says two things)."""
    return any(w in NEEDS_NOT and (i == 0 or words[i - 1] != "не") for i, w in enumerate(words))
