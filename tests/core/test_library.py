"""The library facade on a real SQLite file: migrations, user data, tags, lists, search."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from readinglist.config import Endpoints
from readinglist.db import engine as dbengine
from readinglist.errors import NotFoundError, ReadingListError, StorageError
from readinglist.records import PaperFilter, PaperMeta
from readinglist.services import library_settings, papers, reading_lists, tagging
from readinglist.services.library import Library

OFFLINE = Endpoints(
    hf="http://127.0.0.1:9", arxiv="http://127.0.0.1:9", arxiv_api="http://127.0.0.1:9/q", arxiv_delay=0
)


def meta(n: int, **kw: object) -> PaperMeta:
    base: dict[str, object] = {
        "title": f"Paper number {n} on contrastive retrieval",
        "authors": ("Jörg Günther", "Ana Martínez"),
        "arxiv_id": f"2405.{20000 + n:05d}",
        "version": 1,
        "abstract": f"We study topic {n}.",
        "published": dt.date(2024, 5, 1 + n % 28),
    }
    base.update(kw)
    return PaperMeta(**base)  # type: ignore[arg-type]


def test_new_library_is_migrated_with_wal_and_foreign_keys(library_dir: Path) -> None:
    lib = Library.open(library_dir, OFFLINE)
    try:
        assert (library_dir / "library.sqlite3").is_file()
        for sub in ("pdfs", "backups", "logs"):
            assert (library_dir / sub).is_dir()
        assert dbengine.current_revision(lib.db_path) == dbengine.HEAD_REVISION
        with lib.read() as s:
            assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        lib.close()


@pytest.mark.sqlite_file
def test_a_change_writes_with_a_big_page_cache_and_rare_autocheckpoints(lib: Library) -> None:
    # A read keeps SQLite's default cache; a change's connection holds a sync window's pages.
    with lib.read() as s:
        assert s.execute(text("PRAGMA cache_size")).scalar() == -2000
        assert s.execute(text("PRAGMA wal_autocheckpoint")).scalar() == dbengine.AUTOCHECKPOINT_PAGES
    with lib.change("Look", undoable=False) as tx:
        assert tx.session.execute(text("PRAGMA cache_size")).scalar() == -dbengine.WRITER_CACHE_KIB
        assert tx.session.execute(text("PRAGMA wal_autocheckpoint")).scalar() == dbengine.AUTOCHECKPOINT_PAGES


@pytest.mark.sqlite_file
def test_migrated_schema_matches_the_orm_models(lib: Library) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from readinglist.db.schema import EXPRESSION_INDEXES, Base

    with lib._engine.connect() as conn:  # type: ignore[union-attr]
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # FTS5 virtual tables and their shadow tables live outside the ORM on purpose.
    diff = [d for d in diff if not (d[0] == "remove_table" and "_fts" in d[1].name)]
    # On PostgreSQL they are plain tables with GIN indexes (migration 0009_lab).
    diff = [d for d in diff if not (d[0] == "remove_index" and "_fts" in d[1].table.name)]
    diff = [d for d in diff if not (d[0] == "remove_index" and d[1].name in EXPRESSION_INDEXES)]
    assert diff == []


def test_head_revision_constant_matches_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    cfg = dbengine._alembic_config(None)  # type: ignore[arg-type]
    assert ScriptDirectory.from_config(cfg).get_current_head() == dbengine.HEAD_REVISION


def test_an_older_library_is_backed_up_before_upgrade(library_dir: Path) -> None:
    lib = Library.open(library_dir, OFFLINE)
    papers.upsert(lib, [meta(1)], save=True)
    lib.close()
    # Pretend the file is one revision behind by emptying the migrations' record of it: then
    # the upgrade path runs (idempotent CREATEs would fail, so point it at a known revision).
    con = sqlite3.connect(library_dir / "library.sqlite3")
    con.execute("UPDATE alembic_version SET version_num = 'ffff_unknown'")
    con.commit()
    con.close()
    with pytest.raises(StorageError, match="newer readinglist"):
        Library.open(library_dir, OFFLINE)
    # Nothing was changed: the paper is still there once the revision is restored.
    con = sqlite3.connect(library_dir / "library.sqlite3")
    con.execute("UPDATE alembic_version SET version_num = ?", (dbengine.HEAD_REVISION,))
    con.commit()
    con.close()
    lib = Library.open(library_dir, OFFLINE)
    assert lib.count(PaperFilter()) == 1
    lib.close()


def test_upgrade_takes_a_verified_backup_of_a_library_with_data(
    library_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = Library.open(library_dir, OFFLINE)
    papers.upsert(lib, [meta(1)], save=True)
    lib.close()
    calls: list[str] = []
    real = dbengine.known_revisions()
    monkeypatch.setattr(dbengine, "HEAD_REVISION", "9999_future")
    monkeypatch.setattr(dbengine, "known_revisions", lambda: real | {"9999_future"})
    import alembic.command

    monkeypatch.setattr(alembic.command, "upgrade", lambda cfg, rev: calls.append(rev))
    lib = Library.open(library_dir, OFFLINE)
    lib.close()
    backups = list((library_dir / "backups").glob("library-*before-upgrade*.sqlite3"))
    assert calls == ["head"] and len(backups) == 1
    con = sqlite3.connect(backups[0])
    assert con.execute("SELECT count(*) FROM papers").fetchone()[0] == 1
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


@pytest.mark.sqlite_file
def test_backups_keep_the_newest_three(lib: Library) -> None:
    paths = [lib.backup("manual") for _ in range(5)]
    kept = sorted(lib.backups_dir.glob("library-*.sqlite3"))
    assert kept == sorted(paths[-3:])
    assert lib.maybe_daily_backup() is not None
    assert lib.maybe_daily_backup() is None  # once a day


def test_not_a_library_file_is_a_clear_error(library_dir: Path) -> None:
    library_dir.mkdir(parents=True)
    (library_dir / "library.sqlite3").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StorageError):
        Library.open(library_dir, OFFLINE)


def test_upsert_assigns_stable_unique_citekeys_and_keeps_unicode(lib: Library) -> None:
    ids, _ = papers.upsert(lib, [meta(1, title="Deep Retrieval"), meta(2, title="Deep Retrieval again")])
    rows = lib.get_many(ids)
    assert [r.citekey for r in rows] == ["gunther2024deep", "gunther2024deepa"]
    assert rows[0].authors == ("Jörg Günther", "Ana Martínez")
    # A later update of the metadata never changes the key.
    papers.upsert(lib, [meta(1, title="Retrieval, Deeply", version=2)])
    again = lib.get(ids[0])
    assert again.citekey == "gunther2024deep" and again.title == "Retrieval, Deeply" and again.version == 2


def test_new_keys_skip_held_keys_of_any_case_and_fill_the_gaps(blib: Library) -> None:
    def vaswani(n: int, key: str | None = None) -> PaperMeta:
        return PaperMeta(
            title=f"Attention Is All You Need, part {n}",
            authors=("Ashish Vaswani",),
            year=2017,
            arxiv_id=f"1706.{n:05d}",
            citekey=key,
        )

    held = ["Vaswani2017Attention", "vaswani2017attentionA", "vaswani2017attentionc"]
    papers.upsert(blib, [vaswani(n, key) for n, key in enumerate(held)])
    ids, _ = papers.upsert(blib, [vaswani(10), vaswani(11), vaswani(12)])
    assert [r.citekey for r in blib.get_many(ids)] == [
        "vaswani2017attentionb",
        "vaswani2017attentiond",
        "vaswani2017attentione",
    ]


def test_an_older_version_never_overwrites_a_newer_one(lib: Library) -> None:
    (pid,), _ = papers.upsert(lib, [meta(1, version=3, title="Newest title")])
    papers.upsert(lib, [meta(1, version=1, title="Old title")])
    row = lib.get(pid)
    assert row.version == 3 and row.title == "Newest title"


def test_user_data_round_trip_and_survives_metadata_updates(lib: Library) -> None:
    (pid,), _ = papers.upsert(lib, [meta(1)])
    papers.save(lib, [pid])
    papers.tag(lib, [pid], ["retrieval", "clip"])
    papers.set_status(lib, [pid], "reading")
    papers.append_note(lib, pid, "Compare with SigLIP.")
    papers.append_note(lib, pid, "Second thought.")
    papers.star(lib, [pid])
    papers.upsert(lib, [meta(1, title="A changed title", abstract="New abstract", version=2)])
    row = lib.get(pid)
    assert row.saved and row.starred and row.status == "reading"
    assert row.tags == ("clip", "retrieval")
    assert row.note == "Compare with SigLIP.\n\nSecond thought.\n"
    assert row.title == "A changed title"


def test_status_and_unknown_papers_are_validated(lib: Library) -> None:
    (pid,), _ = papers.upsert(lib, [meta(1)])
    with pytest.raises(ReadingListError):
        papers.set_status(lib, [pid], "skimmed")
    with pytest.raises(NotFoundError):
        papers.save(lib, [pid, 999])
    assert not lib.get(pid).saved  # nothing half-done


def test_resolve_accepts_ids_urls_versions_and_citekeys(lib: Library) -> None:
    (pid,), _ = papers.upsert(lib, [meta(4)])
    key = lib.get(pid).citekey
    for ident in ("2405.20004", "2405.20004v3", "arXiv:2405.20004", "https://arxiv.org/abs/2405.20004v1",
                  "https://huggingface.co/papers/2405.20004", key, f"#{pid}"):  # fmt: skip
        assert lib.resolve(str(ident)) == pid
    with pytest.raises(NotFoundError, match="readinglist add"):
        lib.resolve("2405.11111")
    with pytest.raises(NotFoundError):
        lib.resolve("no-such-key")


def test_tags_are_case_insensitive_and_can_be_renamed_merged_and_deleted(lib: Library) -> None:
    ids, _ = papers.upsert(lib, [meta(1), meta(2)])
    papers.tag(lib, [ids[0]], ["CLIP"])
    papers.tag(lib, [ids[1]], ["clip", "vision"])
    assert [(t.name, t.count) for t in lib.tags()] == [("CLIP", 2), ("vision", 1)]
    tagging.rename(lib, "vision", "clip")  # merge
    assert [(t.name, t.count) for t in lib.tags()] == [("CLIP", 2)]
    tagging.set_color(lib, "CLIP", "#3b82f6")
    assert lib.tags()[0].color == "#3b82f6"
    papers.tag(lib, [ids[0]], ["clip"], remove=True)
    assert lib.get(ids[0]).tags == ()
    tagging.delete(lib, "clip")
    assert lib.tags() == [] and lib.get(ids[1]).tags == ()
    with pytest.raises(ReadingListError):
        papers.tag(lib, [ids[0]], ["bad,tag"])


def test_reading_lists_keep_their_order(lib: Library) -> None:
    ids, _ = papers.upsert(lib, [meta(n) for n in range(1, 5)])
    reading_lists.create(lib, "thesis ch. 2")
    reading_lists.add(lib, "thesis ch. 2", [ids[2], ids[0], ids[3]])
    f = PaperFilter(list_name="thesis ch. 2")
    assert lib.paper_ids(f) == [ids[2], ids[0], ids[3]]
    reading_lists.reorder(lib, "thesis ch. 2", [ids[3], ids[2]])
    assert lib.paper_ids(f) == [ids[3], ids[2], ids[0]]
    reading_lists.remove(lib, "thesis ch. 2", [ids[2]])
    assert lib.paper_ids(f) == [ids[3], ids[0]]
    assert [(rl.name, rl.count) for rl in lib.reading_lists()] == [("thesis ch. 2", 2)]
    with pytest.raises(ReadingListError):
        reading_lists.create(lib, "Thesis Ch. 2")


def test_search_syntax_words_phrases_prefix_tags_authors_years(lib: Library) -> None:
    ids, _ = papers.upsert(lib, [
        meta(1, title="Contrastive retrieval with CLIP", authors=("Han Xiao", "Jörg Günther")),
        meta(2, title="Transformers for tables", abstract="A transformer reads tabular data.",
             authors=("Ana Martínez",), published=dt.date(2023, 2, 1)),
        meta(3, title="Retrieval augmented generation", abstract="contrastive pretraining helps",
             authors=("Jörg Günther",)),
    ])  # fmt: skip
    papers.tag(lib, [ids[1]], ["tables"])
    papers.append_note(lib, ids[2], "Compare with SigLIP")

    def found(q: str) -> set[int]:
        return {h.paper_id for h in lib.search(q)}

    assert found("contrastive retrieval") == {ids[0], ids[2]}
    assert found('"contrastive retrieval"') == {ids[0]}
    assert found("transf*") == {ids[1]}
    assert found("tag:tables") == {ids[1]}
    assert found("author:martinez") == {ids[1]}  # accents folded
    assert found('author:"Han Xiao"') == {ids[0]}
    assert found("year:2023") == {ids[1]}
    assert found("retrieval year:>2023") == {ids[0], ids[2]}
    assert found("retrieval -augmented") == {ids[0]}
    assert found("siglip") == {ids[2]}  # notes are indexed
    assert found('"unbalanced') == set()  # never a syntax error
    assert found("gunther") == {ids[0], ids[2]}  # authors are indexed, accents folded
    # Relevance: the title match ranks above the abstract-only match.
    assert lib.search("contrastive")[0].paper_id == ids[0]


def test_search_over_many_hits_falls_back_to_recency(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    from readinglist.db import queries

    monkeypatch.setattr(queries, "RANK_LIMIT", 5)
    ids, _ = papers.upsert(lib, [meta(n) for n in range(1, 12)])
    hits = lib.search("contrastive", limit=20)
    assert len(hits) == 11
    assert [h.paper_id for h in hits] == sorted(ids, reverse=True)


def test_filters_and_sorts_run_in_sql(lib: Library) -> None:
    ids, _ = papers.upsert(lib, [meta(n, title=t) for n, t in ((1, "Beta"), (2, "alpha"), (3, "Gamma"))])
    papers.save(lib, ids[:2])
    papers.dismiss(lib, [ids[2]])
    assert lib.paper_ids(PaperFilter(), sort="title", descending=False) == [ids[1], ids[0]]
    assert lib.paper_ids(PaperFilter(dismissed=True)) == [ids[2]]
    assert lib.count(PaperFilter(saved=True)) == 2
    assert lib.counts()["library"] == 2 and lib.counts()["dismissed"] == 1


def test_settings_are_declared_and_travel_with_the_library(library_dir: Path) -> None:
    lib = Library.open(library_dir, OFFLINE)
    library_settings.set_setting(lib, "sync_backfill_days", 3)
    with pytest.raises(KeyError):
        library_settings.set_setting(lib, "no_such_setting", 1)
    lib.close()
    lib = Library.open(library_dir, OFFLINE)
    assert lib.setting("sync_backfill_days") == 3
    assert lib.setting("citekey_pattern") == "{auth}{year}{title}"
    lib.close()


def test_a_new_key_pattern_applies_to_new_papers_at_once(lib: Library) -> None:
    (a,), _ = papers.upsert(lib, [meta(1, title="Deep Retrieval")])
    library_settings.set_setting(lib, "citekey_pattern", "{Auth}{shortyear}")
    (b,), _ = papers.upsert(lib, [meta(2, title="Other")])
    assert lib.get(a).citekey == "gunther2024deep"  # existing keys are stable
    assert lib.get(b).citekey == "Gunther24"
    from readinglist.errors import BibtexError

    with pytest.raises(BibtexError):
        library_settings.set_setting(lib, "citekey_pattern", "{nosuch}")


def test_citekeys_never_clash_with_library_keys_of_another_case(lib: Library) -> None:
    papers.upsert(lib, [meta(1, title="Deep one")])
    library_settings.set_setting(lib, "citekey_pattern", "{Auth}{year}{Title}")
    (b,), _ = papers.upsert(lib, [meta(2, title="Deep two")])
    (c,), _ = papers.upsert(lib, [meta(3, title="Deep three")])
    keys = [lib.get(i).citekey for i in (b, c)]
    assert keys == ["Gunther2024Deepa", "Gunther2024Deepb"]  # gunther2024deep is the same key to biber
