"""Messages a user reads, in French (the default, as the sources write) and in English on request.

Pure: no FastAPI or I/O, so the income engine can build its notes and errors with it. The language of the request
being answered lives in a context variable, set once per request by `app.main`'s language middleware (from `lang=`
or `Accept-Language`) and by the embedded pages; `render` picks the text in that language.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

Lang = Literal["fr", "en"]
LANGUAGES: tuple[Lang, ...] = ("fr", "en")
LANG: ContextVar[Lang] = ContextVar("lang", default="fr")


@dataclass(frozen=True)
class Message:
    """One message in both languages; `str()` gives the French."""

    fr: str
    en: str

    def __str__(self) -> str:
        return self.fr

    def text(self, lang: Lang | None = None) -> str:
        return self.en if (lang or LANG.get()) == "en" else self.fr

    def __add__(self, other: Message | str) -> Message:
        if isinstance(other, Message):
            return Message(self.fr + other.fr, self.en + other.en)
        return Message(self.fr + other, self.en + other)

    def startswith(self, prefix: Message | str) -> bool:
        return self.fr.startswith(prefix.fr if isinstance(prefix, Message) else prefix)


def render(message: Message | str, lang: Lang | None = None) -> str:
    """The message in the request's language (a plain string is data, shown as it is)."""
    return message.text(lang) if isinstance(message, Message) else message


def render_all(messages: Iterable[Message | str], lang: Lang | None = None) -> list[str]:
    return [render(m, lang) for m in messages]


def negotiate(lang: str | None, accept_language: str | None) -> Lang:
    """`lang=` wins; otherwise the best of fr/en in Accept-Language by q-value (RFC 9110 §12.5.4); French by default."""
    if lang in LANGUAGES:
        return lang
    best: tuple[float, int, Lang] | None = None
    for position, item in enumerate((accept_language or "").split(",")):
        parts = [p.strip() for p in item.split(";")]
        tag = parts[0].lower()
        quality = 1.0
        for param in parts[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.split("-")[0]
        if primary not in LANGUAGES or quality <= 0:
            continue
        candidate = (quality, -position, primary)
        if best is None or candidate > best:
            best = candidate
    return best[2] if best else "fr"
