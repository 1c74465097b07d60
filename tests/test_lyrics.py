"""Lyrics parsing: structure vs words, limits."""
import pytest

from reel.errors import ReelError
from reel.lyrics import MAX_WORDS, is_section_marker, normalize_word, parse_lyrics


def test_lines_stanzas_and_markers():
    lyrics = parse_lyrics("[Verse 1]\nHello, world!\nDon't stop\n\nChorus:\n(Bridge)\nLa la — la 🎵\n")
    assert [line.text for line in lyrics.lines] == ["Hello, world!", "Don't stop", "La la — la 🎵"]
    assert [line.stanza for line in lyrics.lines] == [0, 0, 1]
    assert lyrics.words == [("Hello,", 0), ("world!", 0), ("Don't", 1), ("stop", 1),
                            ("La", 2), ("la", 2), ("la 🎵", 2)]  # emoji are shown, not aligned


def test_emoji_join_a_neighbouring_word():
    assert parse_lyrics("❤️ you 🔥🔥 me ✨").words == [("❤️ you 🔥🔥", 0), ("me ✨", 0)]


@pytest.mark.parametrize("line", ["[Chorus]", "Verse 2:", "(Bridge)", "PRE-CHORUS", "Outro x2", "{Hook}"])
def test_section_markers(line):
    assert is_section_marker(line)


@pytest.mark.parametrize("line", ["Verse of my heart", "(oh oh oh)", "Intro to the night we met"])
def test_sung_lines_are_not_markers(line):
    assert not is_section_marker(line)


def test_normalize_keeps_non_latin_letters():
    assert normalize_word("Don't,") == "dont"
    assert normalize_word("दिल,") == "दिल"  # combining vowel signs stay
    assert normalize_word("🎵") == ""


@pytest.mark.parametrize("text, message", [
    ("", "empty"), ("   \n\n", "empty"), ("[Chorus]\nVerse 1:\n", "no words"), ("🎵 🎶\n!!!", "no words"),
    ("la " * (MAX_WORDS + 1), "at most"),
])
def test_bad_lyrics(text, message):
    with pytest.raises(ReelError, match=message):
        parse_lyrics(text)
