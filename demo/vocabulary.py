"""The demo's words, read from the JSON files under demo/data/ and checked as they are typed.

Why data files: the vocabulary (origins, teas, flavours, names, streets, the sentences descriptions
and reviews are drawn from) was four fifths of the generator and changes for other reasons than its
logic: a new tea or a better sentence should not mean reading code. The files ship inside the
package and are found relative to it, so an installed copy seeds the same shop as a checkout.

Each module that needs a file loads it once at import (`load` caches the parse) and types what it
uses into tuples, dicts and small frozen records, usually in one call: `load("tea").into(TeaWords)`
fills a frozen dataclass whose field names are the file's keys and whose annotations say how each
is read. A wrong shape (a missing key, an empty list, a number where a word belongs) fails right
there, naming the file and the key, instead of surfacing as a KeyError halfway through a seed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from functools import cache
from importlib.resources import files
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

T = TypeVar("T")

Words = tuple[str, ...]
"""A non-empty list of non-empty strings (`Vocabulary.words`), as an `into` field's type."""
Table = dict[str, str]
"""An object mapping names to non-empty strings (`Vocabulary.table`)."""
WordLists = dict[str, Words]
"""An object mapping names to lists of strings (`Vocabulary.lists`): phrases by mood, tips by use..."""
Records = tuple[T, ...]
"""A list of objects, each a frozen record (`Vocabulary.records`): `Records[Origin]`."""


class VocabularyError(ValueError):
    """A data file does not have the shape the module reading it expects."""


@cache
def load(name: str) -> Vocabulary:
    """demo/data/<name>.json, parsed once per process."""
    text = (files("demo") / "data" / f"{name}.json").read_text(encoding="utf-8")
    content = json.loads(text)
    if not isinstance(content, dict):
        raise VocabularyError(f"demo/data/{name}.json: expected an object at the top level")
    return Vocabulary(f"demo/data/{name}.json", content)


@dataclass(frozen=True)
class Vocabulary:
    """One JSON object from a data file (or a section of one), with typed, checked accessors."""

    where: str
    content: dict[str, Any]

    def section(self, key: str) -> Vocabulary:
        return Vocabulary(f"{self.where}:{key}", self._object(key))

    def into(self, cls: type[T]) -> T:
        """A frozen dataclass with one field per key, each read as its annotation says (see `typed`).

        Why: a module reads a dozen or more keys from its file; one class lists them with their types
        in one place, where a line per key (`X = words("x")`) repeated the loader's call each time.
        """
        if not is_dataclass(cls):
            raise TypeError(f"{cls!r} is not a dataclass")
        hints = get_type_hints(cls)
        return cls(**{field.name: self.typed(field.name, hints[field.name]) for field in fields(cls)})

    def typed(self, key: str, hint: Any) -> Any:
        """The value at `key` read by its type: `str` (text), `frozenset[str]`, `tuple[str | int, ...]`
        (sequence), `tuple[tuple[str, str], ...]` (pairs), `tuple[Record, ...]` (records), a dataclass
        (a section, filled by `into`), `dict[str, str | int | float | Record]`, and `dict[str, X]` of any
        of these read key by key (lists, grouped records, lists by category...)."""
        origin, args = get_origin(hint), get_args(hint)
        if hint is str:
            return self.text(key)
        if isinstance(hint, type) and is_dataclass(hint):
            return self.section(key).into(hint)
        if origin is frozenset:
            return frozenset(self.sequence(key, args[0]))
        if origin is tuple and args[1:] == (Ellipsis,):
            item = args[0]
            if get_origin(item) is tuple:
                return self.pairs(key)
            if is_dataclass(item):
                return self.records(key, item)
            return self.sequence(key, item)
        if origin is dict and args[0] is str:
            value = args[1]
            if is_dataclass(value):
                return self.record_table(key, value)
            if value in (str, int, float):
                return self.mapping(key, value)
            section = self.section(key)
            return {name: section.typed(name, value) for name in section.content}
        raise TypeError(f"{self.where}:{key}: no reader for {hint!r}")

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str) or not value:
            raise VocabularyError(f"{self.where}:{key}: expected a non-empty string")
        return value

    def words(self, key: str) -> tuple[str, ...]:
        """A non-empty list of non-empty strings."""
        return self.sequence(key, str)

    def sequence(self, key: str, kind: type[T]) -> tuple[T, ...]:
        """A non-empty list whose items are all `kind` (and non-empty, for strings)."""
        value = self._get(key)
        if not isinstance(value, list) or not value:
            raise VocabularyError(f"{self.where}:{key}: expected a non-empty list")
        for item in value:
            if not _is(item, kind):
                raise VocabularyError(f"{self.where}:{key}: {item!r} is not a {kind.__name__}")
        return tuple(value)

    def table(self, key: str) -> dict[str, str]:
        """An object mapping names to non-empty strings."""
        return self.mapping(key, str)

    def mapping(self, key: str, kind: type[T]) -> dict[str, T]:
        """An object whose values are all `kind`, in the file's order."""
        value = self._object(key)
        for name, item in value.items():
            if not _is(item, kind):
                raise VocabularyError(f"{self.where}:{key}.{name}: {item!r} is not a {kind.__name__}")
        return dict(value)

    def lists(self, key: str) -> dict[str, tuple[str, ...]]:
        """An object mapping names to non-empty lists of strings (phrases by mood, notes by roast...)."""
        section = self.section(key)
        return {name: section.words(name) for name in section.content}

    def pairs(self, key: str) -> tuple[tuple[str, str], ...]:
        """A list of two-string lists."""
        rows = self._get(key)
        if not isinstance(rows, list) or not rows:
            raise VocabularyError(f"{self.where}:{key}: expected a non-empty list of pairs")
        out: list[tuple[str, str]] = []
        for row in rows:
            if not (isinstance(row, list) and len(row) == 2 and all(_is(item, str) for item in row)):
                raise VocabularyError(f"{self.where}:{key}: {row!r} is not a pair of strings")
            out.append((row[0], row[1]))
        return tuple(out)

    def records(self, key: str, into: Callable[..., T]) -> tuple[T, ...]:
        """A list of objects, each built as `into(**fields)` with every list frozen into a tuple."""
        rows = self._get(key)
        if not isinstance(rows, list) or not rows:
            raise VocabularyError(f"{self.where}:{key}: expected a non-empty list of objects")
        return tuple(self._record(f"{key}[{i}]", row, into) for i, row in enumerate(rows))

    def grouped_records(self, key: str, into: Callable[..., T]) -> dict[str, tuple[T, ...]]:
        """An object mapping names to lists of objects (variants by category...), each built as in `records`."""
        section = self.section(key)
        return {name: section.records(name, into) for name in section.content}

    def record_table(self, key: str, into: Callable[..., T]) -> dict[str, T]:
        """An object of objects, each value built as `into(**fields)`, keyed as in the file."""
        return {name: self._record(f"{key}.{name}", row, into) for name, row in self._object(key).items()}

    def _record(self, where: str, row: Any, into: Callable[..., T]) -> T:
        if not isinstance(row, dict):
            raise VocabularyError(f"{self.where}:{where}: expected an object")
        try:
            return into(**{name: _frozen(value) for name, value in row.items()})
        except TypeError as exc:  # a missing or unknown field
            raise VocabularyError(f"{self.where}:{where}: {exc}") from exc

    def _object(self, key: str) -> dict[str, Any]:
        value = self._get(key)
        if not isinstance(value, dict) or not value:
            raise VocabularyError(f"{self.where}:{key}: expected a non-empty object")
        return value

    def _get(self, key: str) -> Any:
        if key not in self.content:
            raise VocabularyError(f"{self.where}: missing key {key!r}")
        return self.content[key]


def _is(value: Any, kind: type) -> bool:
    if kind is str:
        return isinstance(value, str) and bool(value)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _frozen(value: Any) -> Any:
    """Lists become tuples (records are frozen and hashable); everything else stays as parsed."""
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value
