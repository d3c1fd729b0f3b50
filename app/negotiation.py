"""Which representation to send, for the routes that offer several (`/calendar`, `/simulate`, `/export`).

Rules, the same on every such route:
- an explicit `format=` query parameter wins over `Accept`;
- otherwise `Accept` is read as RFC 9110 §12.5.1 says: each offered type takes the quality of the most specific
  range that matches it (`text/csv;q=0, text/*` refuses CSV), `q=0` means "not acceptable", and among the types
  of the best quality the server's order decides (JSON first, YAML first for `/export`);
- no `Accept`, or one with no valid media range, is "anything" (the first offered type);
- nothing acceptable: 406, a problem listing the types offered (and the `format=` values, where there is one).
Answers vary by `Accept`: they send `Vary: Accept` (and the in-memory snapshot keys on it, see app/snapshot.py).

Parsing and matching are werkzeug's (`parse_accept_header`, `MIMEAccept.quality`): RFC 9110 list syntax, invalid
q-values skipped, ranges ordered by specificity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.requests import Request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import dump_options_header, parse_accept_header, parse_options_header

from app.errors import ApiError
from app.messages import Message as M

VARY = {"Vary": "Accept"}


@dataclass(frozen=True)
class Format:
    name: str  # the value of `format=`
    media_type: str  # what Content-Type says
    aliases: tuple[str, ...] = ()  # other names clients use for the same type


JSON = Format("json", "application/json")
CSV = Format("csv", "text/csv")
ICS = Format("ics", "text/calendar")
YAML = Format("yaml", "application/yaml", ("application/x-yaml", "text/yaml"))


def _accept(request: Request) -> MIMEAccept | None:
    """The request's Accept (several header lines count as one list), or None when it says nothing usable."""
    parsed = parse_accept_header(", ".join(request.headers.getlist("accept")), MIMEAccept)
    ranges = []
    for item, quality in parsed:
        media_range, params = parse_options_header(item)
        if "/" not in media_range:
            continue  # not a media range (`Accept: json`): ignored, as an invalid q-value is
        # Every text answer is UTF-8: `text/csv; charset=utf-8` asks for exactly what is sent.
        if params.get("charset", "").lower() == "utf-8":
            del params["charset"]
        ranges.append((dump_options_header(media_range, params), quality))
    return MIMEAccept(ranges) if ranges else None


def choose(request: Request, offered: Sequence[Format], *, explicit: str | None = None,
           parameter: str | None = "format") -> Format:
    """The format to answer in: `explicit` (the `format=` value) if given, else the best one `Accept` allows."""
    if explicit is not None:
        return next(f for f in offered if f.name == explicit)
    accept = _accept(request)
    if accept is None:
        return offered[0]
    best, best_quality = None, 0.0
    for candidate in offered:
        quality = max(accept.quality(t) for t in (candidate.media_type, *candidate.aliases))
        if quality > best_quality:  # strictly better: a tie keeps the earlier, preferred type
            best, best_quality = candidate, quality
    if best is None:
        raise not_acceptable(offered, parameter)
    return best


def not_acceptable(offered: Sequence[Format], parameter: str | None) -> ApiError:
    types = ", ".join(f.media_type for f in offered)
    fr = f"Aucun des formats proposés ici ne convient à l'en-tête Accept envoyé. Formats disponibles : {types}"
    en = f"None of the formats available here matches the Accept header sent. Available: {types}"
    if parameter:
        names = "|".join(f.name for f in offered)
        fr += f" (ou le paramètre de requête {parameter}={names})"
        en += f" (or the query parameter {parameter}={names})"
    return ApiError(406, M(fr + ".", en + "."), field="Accept", location="header",
                    allowed=[f.media_type for f in offered], headers=VARY)
