"""TeX in titles and abstracts shown as Unicode, the stored text untouched."""

from __future__ import annotations

import pytest

from readinglist.texdisplay import tex_segments, tex_to_unicode


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (r"improves accuracy by 50\% over", "improves accuracy by 50% over"),
        (r"runs in $O(n^2)$ time", "runs in O(n²) time"),
        (r"costs $O(n \log n)$ only", "costs O(n log n) only"),
        (r"an \emph{honest} \textbf{baseline}", "an honest baseline"),
        (r"$\alpha$-divergence", "α-divergence"),
        (r"rate $O(1/\sqrt{T})$", "rate O(1/√(T))"),
        (r"$10^{-3}$ and $x_{ij}$ and $W^\top$", "10⁻³ and xᵢⱼ and Wᵀ"),
        (r"$2^{\alpha+1}$", "2^(α+1)"),
        (r"G\"unther and Mart\'inez", "Günther and Martínez"),
        (r"\(k\)-NN", "k-NN"),
    ],
)
def test_tex_becomes_unicode(raw: str, shown: str) -> None:
    assert tex_to_unicode(raw) == shown


@pytest.mark.parametrize(
    "plain",
    [
        "Plain title: no TeX at all",
        "a < b && c, 100% of <EOS> tokens, issue #3",
        "it costs $5 per month",  # a lone dollar is money, not math
    ],
)
def test_text_without_tex_is_left_alone(plain: str) -> None:
    assert tex_to_unicode(plain) == plain


def test_literal_percent_does_not_swallow_the_rest_as_a_comment() -> None:
    # TeX would drop everything after a bare %; an abstract means a percentage.
    assert tex_to_unicode(r"gains of 40% with \emph{no} tuning") == "gains of 40% with no tuning"


def test_broken_tex_never_raises_and_keeps_the_words() -> None:
    assert tex_to_unicode(r"\emph{unclosed and $x^") == "unclosed and $x^"


def test_segments_mark_the_math() -> None:
    assert tex_segments(r"rate $O(n)$ here") == (("rate ", False), ("O(n)", True), (" here", False))


def test_paragraphs_survive() -> None:
    assert tex_to_unicode("First \\emph{para}.\n\nSecond.") == "First para.\n\nSecond."


def test_the_digest_shows_tex_as_unicode_and_the_library_keeps_the_source(lib) -> None:  # type: ignore[no-untyped-def]
    from readinglist.records import PaperMeta
    from readinglist.services import digest, papers

    raw = r"Attention in $O(n \log n)$: 50\% Less Memory"
    ids, _ = papers.upsert(
        lib, [PaperMeta(title=raw, arxiv_id="2401.00001", abstract=r"We cut \emph{cost}.")], save=True
    )
    d = digest.build_digest(lib)
    md, page = digest.render_markdown(d), digest.render_html(d)
    assert "Attention in O(n log n): 50% Less Memory" in page
    assert "O(n log n)" in md and "\\log" not in md and "\\log" not in page
    assert lib.get(ids[0]).title == raw  # display only: the stored title is the source's
