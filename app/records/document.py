"""Reading the body of `POST /import`: a YAML or JSON document in the export's format, into a validated Seed.

Anything a client can send is a 422 problem naming what is wrong, never a 500: text that is not UTF-8, invalid
YAML or JSON, YAML aliases (they can expand a small document into a huge one), an integer longer than Python reads
(4 300 digits), a value YAML cannot build (a 30 February), or a document nested deeper than `MAX_DEPTH` levels (a
catalogue has 7; thousands would exhaust the parsers' recursion).

Plain functions, CPU-bound (a 0.3 MB YAML catalogue takes about a second to read): the route runs `read_document`
in a worker thread, never on the event loop.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import yaml

from app.errors import ApiError
from app.messages import Message as M
from app.records import service
from app.records.store import Seed, SeedInvalid, parse_seed

MAX_DEPTH = 32


def _problem(message: M) -> ApiError:
    return ApiError(422, message, field="body", location="body")


def _at(mark: Any) -> M:
    return M(f" (ligne {mark.line + 1}, colonne {mark.column + 1})",
             f" (line {mark.line + 1}, column {mark.column + 1})") \
        if mark is not None else M("", "")


def _too_deep(mark: Any = None) -> ApiError:
    return _problem(M(f"Le corps imbrique des listes ou des objets sur plus de {MAX_DEPTH} niveaux",
                      f"The body nests lists or objects more than {MAX_DEPTH} levels deep") + _at(mark) + ".")


def _too_many_digits(digits: int, mark: Any = None) -> ApiError:
    limit = sys.get_int_max_str_digits()
    return _problem(M(f"Un nombre entier du corps a {digits} chiffres, plus que les {limit} lisibles",
                      f"An integer in the body has {digits} digits, more than the {limit} that can be read")
                    + _at(mark) + ".")


def _digits(text: str) -> int:
    return sum(character.isdigit() for character in text)


def _json_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # only past the digit limit: the JSON scanner hands over nothing but digits
        raise _too_many_digits(_digits(text)) from None


class _ImportLoader(yaml.SafeLoader):
    """A SafeLoader that refuses aliases and deep nesting while it reads, and names a value it cannot build."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise _problem(M("Les alias YAML (*nom) ne sont pas acceptés dans un import.",
                             "YAML aliases (*name) are not accepted in an import."))
        nests = self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent)
        if nests and self._depth >= MAX_DEPTH:
            raise _too_deep(self.peek_event().start_mark)  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
        self._depth += nests
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= nests

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except ValueError:
            if node.tag == "tag:yaml.org,2002:int":
                raise _too_many_digits(_digits(node.value), node.start_mark) from None
            value = node.value if isinstance(node.value, str) and len(node.value) <= 40 else None
            raise _problem(M(f"La valeur « {value} » ne peut pas être lue" if value
                             else "Une valeur ne peut pas être lue",
                             f"The value '{value}' cannot be read" if value else "A value cannot be read")
                           + _at(node.start_mark) + ".") from None


def _nesting_exceeds(data: Any, limit: int) -> bool:
    """Whether lists or objects nest deeper than `limit`, found without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (value.values() if isinstance(value, dict) else value))
    return False


def _load(body: bytes, content_type: str) -> Any:
    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/json"):
            data = json.loads(text, parse_int=_json_int)
        else:
            data = yaml.load(text, Loader=_ImportLoader) if text.strip() else None  # a SafeLoader
        if _nesting_exceeds(data, MAX_DEPTH):
            raise _too_deep()
        json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")  # no lone surrogate (\ud800) inside
    except (UnicodeDecodeError, UnicodeEncodeError):
        raise _problem(M("Le corps n'est pas un texte UTF-8 valide.", "The body is not valid UTF-8 text.")) from None
    except json.JSONDecodeError as exc:
        raise _problem(M(f"Le corps n'est pas du JSON valide (ligne {exc.lineno}, colonne {exc.colno}).",
                         f"The body is not valid JSON (line {exc.lineno}, column {exc.colno}).")) from None
    except yaml.YAMLError as exc:
        where = _at(getattr(exc, "problem_mark", None))
        raise _problem(M("Le corps n'est ni du YAML ni du JSON valide", "The body is not valid YAML or JSON") + where
                       + ".") from None
    except RecursionError:  # JSON nested deeper than the interpreter's recursion limit (about a thousand levels)
        raise _too_deep() from None
    return data


def read_document(body: bytes, content_type: str) -> Seed:
    """The import's body, parsed (JSON when `content_type` says so, YAML otherwise) and validated completely."""
    data = _load(body, content_type)
    try:
        return parse_seed(data, origin="body")
    except SeedInvalid as exc:
        raise service.invalid_seed_problem(exc) from None
