"""readinglist.recordtype: records behave as the frozen dataclasses they replace on the read path."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readinglist import recordtype
from readinglist.recordtype import FrozenRecordError, field, record

ROOT = Path(__file__).resolve().parents[2]


@record
class Base:
    title: str
    authors: tuple[str, ...] = ()
    year: int | None = None


@record
class Child(Base):
    id: int = 0
    year: int | None = 2000  # redefined: keeps the base's place, takes the new default
    tags: tuple[str, ...] = field(default_factory=tuple)


@dataclasses.dataclass(frozen=True)
class DBase:
    title: str
    authors: tuple[str, ...] = ()
    year: int | None = None


@dataclasses.dataclass(frozen=True)
class DChild(DBase):
    id: int = 0
    year: int | None = 2000
    tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)


@record(frozen=False)
class Bag:
    items: list[str] = field(default_factory=list)
    count: int = 0


def _values(r: object) -> dict[str, object]:
    return {f.name: getattr(r, f.name) for f in recordtype.fields(r)}


texts = st.text(max_size=8)
values = st.fixed_dictionaries(
    {},
    optional={
        "authors": st.tuples(texts) | st.just(()),
        "year": st.none() | st.integers(-3, 3000),
        "id": st.integers(0, 9),
        "tags": st.lists(texts, max_size=2).map(tuple),
    },
)


@given(st.text(max_size=8), values, values)
def test_a_record_acts_as_the_same_frozen_dataclass(
    title: str, a: dict[str, object], b: dict[str, object]
) -> None:
    r1, r2 = Child(title, **a), Child(title, **b)  # type: ignore[arg-type]
    d1, d2 = DChild(title, **a), DChild(title, **b)  # type: ignore[arg-type]
    assert [f.name for f in recordtype.fields(Child)] == [f.name for f in dataclasses.fields(DChild)]
    assert repr(r1).removeprefix("Child") == repr(d1).removeprefix("DChild")
    assert (r1 == r2) == (d1 == d2)
    assert (hash(r1) == hash(r2)) if r1 == r2 else True
    assert _values(r1) == dataclasses.asdict(d1)
    changed = recordtype.replace(r1, year=1999, tags=("x",))
    assert _values(changed) == dataclasses.asdict(dataclasses.replace(d1, year=1999, tags=("x",)))
    assert pickle.loads(pickle.dumps(r1)) == r1


def test_positional_arguments_take_the_fields_in_order() -> None:
    assert Child("t", ("a",), 1990, 7, ("k",)) == Child(
        title="t", authors=("a",), year=1990, id=7, tags=("k",)
    )
    assert Child("t").year == 2000 and Base("t").year is None
    with pytest.raises(TypeError):
        Child()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Child("t", nope=1)  # type: ignore[call-arg]


def test_frozen_records_refuse_changes_and_mutable_ones_do_not_hash() -> None:
    r = Child("t")
    with pytest.raises(FrozenRecordError):
        r.title = "u"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del r.title  # type: ignore[misc]
    bag1, bag2 = Bag(), Bag()
    bag1.items.append("x")
    assert bag2.items == [] and bag1 != bag2  # a factory gives each its own list
    bag2.items.append("x")
    assert bag1 == bag2
    with pytest.raises(TypeError):
        hash(bag1)
    assert Child("t") != Base("t")  # another class is never equal, as a dataclass


def test_a_record_is_not_equal_to_a_dataclass_and_refuses_unknown_replacements() -> None:
    assert Base("t") != DBase("t")
    with pytest.raises(TypeError, match="no field 'nope'"):
        recordtype.replace(Base("t"), nope=1)
    assert recordtype.replace(DBase("t"), year=3) == DBase("t", year=3)  # dataclasses still work
    assert [f.name for f in recordtype.fields(DBase("t"))] == ["title", "authors", "year"]


def test_bad_definitions_are_refused() -> None:
    with pytest.raises(TypeError, match="non-default argument"):

        @record
        class Bad:
            a: int = 0
            b: int  # type: ignore[misc]

    with pytest.raises(ValueError, match="mutable default"):

        @record
        class Worse:
            a: list[int] = []  # type: ignore[misc]  # noqa: RUF012


def test_post_init_runs() -> None:
    seen: list[int] = []

    @record
    class Checked:
        n: int

        def __post_init__(self) -> None:
            seen.append(self.n)

    Checked(3)
    assert seen == [3]


def test_the_read_path_loads_no_dataclasses() -> None:
    """The records every command loads are made without ``dataclasses`` (and its ``inspect``)."""
    code = (
        "import sys, readinglist.records, readinglist.config, readinglist.search, "
        "readinglist.services.library, readinglist.services.exporting, readinglist.db.queries; "
        "print(sorted(m for m in ('dataclasses', 'inspect') if m in sys.modules))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert res.stdout.strip() == "[]"
