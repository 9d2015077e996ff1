"""Records: classes of named, typed fields, frozen by default, without the dataclasses module.

``import dataclasses`` loads ``inspect`` (and with it ``ast``, ``dis``, ``tokenize``): 7.5 ms of a
read command's ~60 ms on the machines of issue 16, and making the records that every command
loads took 4.7 ms more. :func:`record` makes the same kind of class from the annotations in
a fraction of that: a generated ``__init__`` (positional or keyword, defaults, default
factories, base-class fields first), and ``__repr__``, ``__eq__`` and, when frozen,
``__hash__`` that compare the fields in order, as a dataclass's do. Type checkers treat it as
a dataclass (``typing.dataclass_transform``).

Use it for the records the read path loads; the rest of the code may keep ``dataclasses``.
:func:`fields` and :func:`replace` work on both kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")


class FrozenRecordError(AttributeError):
    """Assigning to a field of a frozen record."""


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """One field of a record: its name and its default or default factory (or MISSING)."""

    __slots__ = ("default", "default_factory", "name")

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory

    def __repr__(self) -> str:
        return f"Field({self.name!r})"


def field(*, default: Any = MISSING, default_factory: Callable[[], Any] | Any = MISSING) -> Any:
    """A field's default or default factory, as ``dataclasses.field`` gives them."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("a field has a default or a default factory, not both")
    return Field(default, default_factory)


@overload
def record(cls: type[T], /) -> type[T]: ...
@overload
def record(*, frozen: bool = True) -> Callable[[type[T]], type[T]]: ...
@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T] | None = None, /, *, frozen: bool = True) -> Any:
    """Make ``cls`` a record (``@record`` or ``@record(frozen=False)``)."""

    def wrap(c: type[T]) -> type[T]:
        return _make(c, frozen)

    return wrap if cls is None else wrap(cls)


def _make(cls: type[T], frozen: bool) -> type[T]:
    own: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for f in getattr(base, "__record_fields__", ()):
            own[f.name] = f
    # the class's own annotations, as strings (inspect.get_annotations would load inspect)
    for name, hint in cls.__dict__.get("__annotations__", {}).items():  # noqa: RUF063
        if isinstance(hint, str) and hint.startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, MISSING)
        f = value if isinstance(value, Field) else Field(value)
        f.name = name
        if isinstance(f.default, (list, dict, set)):
            raise ValueError(f"mutable default for field {name!r}: use field(default_factory=...)")
        if isinstance(value, Field):  # the class attribute is the default, as a dataclass keeps it
            if f.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
        own[name] = f  # a redefined field keeps the base's place
    fs = tuple(own.values())
    seen_default = False
    for f in fs:
        has = f.default is not MISSING or f.default_factory is not MISSING
        if seen_default and not has:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
        seen_default = seen_default or has
    names = tuple(f.name for f in fs)
    get: Callable[[Any], Any] = (
        attrgetter(*names) if len(names) > 1 else (lambda o: (getattr(o, names[0]),) if names else ())
    )
    made: dict[str, Any] = {"__record_fields__": fs, "__init__": _init(cls, fs)}
    if "__repr__" not in cls.__dict__:
        made["__repr__"] = _repr(names)
    if "__eq__" not in cls.__dict__:
        made["__eq__"] = _eq(get)
    if frozen:
        made["__setattr__"], made["__delattr__"] = _frozen_setattr, _frozen_delattr
        if cls.__dict__.get("__hash__") is None:  # not written in the class (or None, as __eq__ leaves it)
            made["__hash__"] = lambda self: hash(get(self))
    elif "__hash__" not in cls.__dict__:
        made["__hash__"] = None  # mutable and compared by value, as a dataclass
    for name, value in made.items():
        setattr(cls, name, value)
    return cls


def _init(cls: type, fs: tuple[Field, ...]) -> Callable[..., None]:
    env: dict[str, Any] = {"MISSING": MISSING}
    params: list[str] = []
    body: list[str] = []
    for i, f in enumerate(fs):
        if f.default_factory is not MISSING:
            env[f"_f{i}"] = f.default_factory
            params.append(f"{f.name}=MISSING")
            body.append(f" d[{f.name!r}] = _f{i}() if {f.name} is MISSING else {f.name}")
        else:
            if f.default is not MISSING:
                env[f"_d{i}"] = f.default
                params.append(f"{f.name}=_d{i}")
            else:
                params.append(f.name)
            body.append(f" d[{f.name!r}] = {f.name}")
    post = " self.__post_init__()\n" if hasattr(cls, "__post_init__") else ""
    src = f"def __init__(self, {', '.join(params)}):\n d = self.__dict__\n" + "\n".join(body) + "\n" + post
    if not fs:
        src = f"def __init__(self):\n pass\n{post}"
    exec(src, env)  # the source is made above from the class's own field names
    fn: Callable[..., None] = env["__init__"]
    fn.__qualname__ = f"{cls.__qualname__}.__init__"
    return fn


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in names)
        return f"{type(self).__qualname__}({inner})"

    return __repr__


def _eq(get: Callable[[Any], Any]) -> Callable[[Any, object], Any]:
    def __eq__(self: Any, other: object) -> Any:
        if other.__class__ is self.__class__:
            return get(self) == get(other)
        return NotImplemented

    return __eq__


def _frozen_setattr(self: object, name: str, value: object) -> None:
    raise FrozenRecordError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: object, name: str) -> None:
    raise FrozenRecordError(f"cannot delete field {name!r}")


def fields(obj: object) -> tuple[Any, ...]:
    """The fields of a record or dataclass (a class or an instance), in order; each has a ``name``."""
    found = getattr(obj, "__record_fields__", None)
    if found is not None:
        return tuple(found)
    import dataclasses

    return dataclasses.fields(obj)  # type: ignore[arg-type]


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of a record or dataclass with these fields changed."""
    if getattr(obj, "__record_fields__", None) is None:
        import dataclasses

        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    values = {f.name: getattr(obj, f.name) for f in obj.__record_fields__}  # type: ignore[attr-defined]
    unknown = set(changes) - set(values)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field {sorted(unknown)[0]!r}")
    values.update(changes)
    return type(obj)(**values)
