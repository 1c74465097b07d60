"""Caption pages and states: wrapping with real font metrics, timing rules."""
from reel.captions import (BRIDGE_SECONDS, HOLD_SECONDS, LEAD_IN_SECONDS, NOTHING_SUNG, caption_pages,
                           caption_states, state_at)
from reel.draw import CaptionPainter
from reel.model import ReelOptions, Word
from reel.styles import STYLES


def _words(lines: list[str], step: float = 0.4, line_gap: float = 0.5) -> list[Word]:
    words, t = [], 1.0
    for n, line in enumerate(lines):
        for token in line.split():
            words.append(Word(token, t, t + step * 0.8, n))
            t += step
        t += line_gap
    return words


LONG = "every window tells a story tonight and the morning never comes for the lonely city heart"


def test_pages_fit_two_rows_and_never_cross_lines():
    painter = CaptionPainter(ReelOptions())
    words = _words([LONG, "short line"])
    pages = caption_pages(words, STYLES["karaoke"], painter.max_width, painter.measure)
    assert len(pages) >= 3
    for page in pages:
        assert 1 <= len(page.rows) <= 2
        assert len({w.line for w in page.words}) == 1
        for row in page.rows:
            assert painter.measure(" ".join(page.words[i].text for i in row)) <= painter.max_width
    assert [w for p in pages for w in p.words] == words


def test_page_timing_holds_then_clears_in_gaps():
    painter = CaptionPainter(ReelOptions())
    words = _words(["one two", "three four"], line_gap=0.2) + [Word("late", 30.0, 30.5, 2)]
    pages = caption_pages(words, STYLES["lines"], painter.max_width, painter.measure)
    assert pages[0].end == pages[1].start  # next page shows: hand over
    assert pages[1].end == words[3].end + HOLD_SECONDS  # long gap: held, then cleared
    states = caption_states(pages, STYLES["lines"])
    assert state_at(states, 20.0) is None
    assert state_at(states, 30.2).page is pages[2]


def _two_pages(gap_after_hold: float, lead_room: float = 1.0):
    """Two one-word lines: the second word starts `gap_after_hold` after the first page's hold ends."""
    first = Word("one", 1.0, 1.4, 0)
    start = first.end + HOLD_SECONDS + LEAD_IN_SECONDS + gap_after_hold
    words = [first, Word("two", start, start + 0.4, 1)]
    painter = CaptionPainter(ReelOptions())
    return words, caption_pages(words, STYLES["karaoke"], painter.max_width, painter.measure)


def test_page_shows_a_lead_in_before_its_first_word_when_the_screen_is_free():
    words, pages = _two_pages(gap_after_hold=1.0)
    assert pages[0].start == 1.0 - LEAD_IN_SECONDS
    assert abs(pages[1].start - (words[1].start - LEAD_IN_SECONDS)) < 1e-9
    states = caption_states(pages, STYLES["karaoke"])
    lead = state_at(states, words[1].start - 0.1)
    assert lead.page is pages[1] and lead.active == NOTHING_SUNG
    # A page never shows while the previous page's last word is still sung.
    painter = CaptionPainter(ReelOptions())
    close = [Word("one", 1.0, 2.0, 0), Word("two", 2.05, 2.5, 1)]
    pages = caption_pages(close, STYLES["karaoke"], painter.max_width, painter.measure)
    assert pages[1].start == 2.0 and pages[0].end == 2.0


def test_short_blank_between_pages_is_bridged_long_one_kept():
    words, pages = _two_pages(gap_after_hold=BRIDGE_SECONDS - 0.05)
    assert pages[0].end == pages[1].start  # no blink
    words, pages = _two_pages(gap_after_hold=BRIDGE_SECONDS + 0.2)
    assert pages[1].start - pages[0].end > BRIDGE_SECONDS  # a real pause: the screen clears


def test_karaoke_states_follow_each_word():
    painter = CaptionPainter(ReelOptions())
    words = _words(["one two three"])
    karaoke = STYLES["karaoke"]
    states = caption_states(caption_pages(words, karaoke, painter.max_width, painter.measure), karaoke)
    assert [s.active for s in states] == [NOTHING_SUNG, 0, 1, 2]
    assert [s.start for s in states] == [words[0].start - LEAD_IN_SECONDS] + [w.start for w in words]


def test_pop_pages_are_short():
    painter = CaptionPainter(ReelOptions(style="pop"))
    pages = caption_pages(_words([LONG]), STYLES["pop"], painter.max_width, painter.measure)
    assert all(len(p.words) <= 3 for p in pages)


def test_caption_band_stays_in_the_safe_area():
    for position in ("top", "middle", "bottom"):
        painter = CaptionPainter(ReelOptions(position=position))
        assert painter.band_top >= 0.14 * 1920
        assert painter.band_top + painter.band_height <= 0.80 * 1920


def test_drawing_reuses_words_without_changing_pictures():
    painter = CaptionPainter(ReelOptions())
    states = caption_states(caption_pages(_words(["one two three"]), STYLES["karaoke"], painter.max_width,
                                          painter.measure), STYLES["karaoke"])
    cached = [painter.draw(s).tobytes() for s in states]
    fresh = [CaptionPainter(ReelOptions()).draw(s).tobytes() for s in states]
    assert len(set(cached)) == 4  # the lead-in (nothing sung yet) and one per sung word
    assert cached == fresh
