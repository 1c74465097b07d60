"""The ElevenLabs aligner against a local server that answers like the real API.

The SDK is pointed at the server with ELEVENLABS_BASE_URL; the server records each
request (path, headers, multipart fields) so the tests can check what the SDK sent.
No key, no network.
"""
from __future__ import annotations

import email.parser
import email.policy
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import send_json
from reel.align import align
from reel.align.elevenlabs import GUESSED_CONFIDENCE, Timed, map_to_lyrics
from reel.errors import ReelError
from reel.lyrics import normalize_word, parse_lyrics
from reel.media import decode_audio

KEY = "test-key-123"


class FakeElevenLabs:
    """A threaded HTTP server: `answers[path] = (status, json_body)`; `requests` records calls."""

    def __init__(self):
        self.answers: dict[str, tuple[int, dict]] = {}
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                fake.requests.append({"path": self.path, "headers": dict(self.headers),
                                      "fields": multipart_fields(self.headers["Content-Type"], body)})
                status, answer = fake.answers.get(self.path.split("?")[0], (404, {"detail": "not found"}))
                send_json(self, status, answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def multipart_fields(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """{field name: (file name or None, bytes)} of a multipart/form-data body."""
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    assert msg.is_multipart(), "the SDK should send multipart/form-data"
    return {part.get_param("name", header="content-disposition"): (part.get_filename(),
                                                                   part.get_payload(decode=True))
            for part in msg.iter_parts()}


@pytest.fixture
def api(monkeypatch):
    fake = FakeElevenLabs()
    monkeypatch.setenv("ELEVENLABS_API_KEY", KEY)
    monkeypatch.setenv("ELEVENLABS_BASE_URL", fake.url)
    yield fake
    fake.close()


def alignment_answer(words: list[dict]) -> dict:
    """A forced-alignment answer as the API gives it: words with spaces between, characters, loss."""
    out, chars = [], []
    for n, w in enumerate(words):
        if n:
            out.append({"text": " ", "start": words[n - 1]["end"], "end": w["start"], "loss": 0.0})
        out.append({"text": w["text"], "start": w["start"], "end": w["end"], "loss": 0.05})
        chars += [{"text": c, "start": w["start"], "end": w["end"]} for c in w["text"]]
    return {"characters": chars, "words": out, "loss": 0.05}


def test_forced_alignment_request_and_mapping(api, song):
    truth = song["truth"]["words"]
    heard = [dict(w) for w in truth]
    heard[2]["text"] = "mornin'"        # spelled differently: shares its slot
    del heard[5]                         # "along." skipped by the API: guessed from neighbours
    api.answers["/v1/forced-alignment"] = (200, alignment_answer(heard))

    result = align(song["audio"], decode_audio(song["audio"]), parse_lyrics(song["lyrics"]), method="elevenlabs")

    (req,) = api.requests
    assert req["path"] == "/v1/forced-alignment"
    assert req["headers"]["xi-api-key"] == KEY
    file_name, audio = req["fields"]["file"]
    assert file_name == "audio.mp3" and audio == song["audio"].read_bytes()
    assert req["fields"]["text"][1].decode() == "Hello bright morning,\nwe sing along.\nSilver rivers\nrun all night long."

    lyrics = parse_lyrics(song["lyrics"])
    assert not result.transcribed
    assert [(w.text, w.line) for w in result.words] == lyrics.words
    for got, want in zip(result.words, truth):
        if got.text in ("morning,", "along."):
            continue
        assert (got.start, got.end) == (want["start"], want["end"])
        assert got.confidence == pytest.approx(0.951, abs=1e-3)  # exp(-loss)
    morning, along = result.words[2], result.words[5]
    assert (morning.start, morning.end) == (truth[2]["start"], truth[2]["end"])
    assert morning.confidence < 1.0
    assert along.confidence == GUESSED_CONFIDENCE
    assert result.words[4].end <= along.start <= along.end <= result.words[6].start


def test_transcription_with_auto_aligner_and_key(api, song):
    # (text, start): a sentence end after "along.", a 1.5 s pause before "silver", then nine words in a row.
    heard = [("Hello", 1.0), ("bright", 1.4), ("morning,", 1.8), ("we", 2.4), ("sing", 2.8), ("along.", 3.2),
             ("Silver", 5.2), ("rivers", 5.6), ("run", 6.0), ("all", 6.4), ("night", 6.8), ("long", 7.2),
             ("and", 7.6), ("on", 8.0), ("they", 8.4), ("go", 8.8)]
    words = [{"text": "(music)", "start": 0.0, "end": 1.0, "type": "audio_event", "logprob": -0.2}]
    for text, start in heard:
        words.append({"text": text, "start": start, "end": start + 0.3, "type": "word", "logprob": -0.1})
        words.append({"text": " ", "start": start + 0.3, "end": start + 0.4, "type": "spacing", "logprob": 0.0})
    api.answers["/v1/speech-to-text"] = (200, {"language_code": "eng", "language_probability": 0.98,
                                               "text": " ".join(t for t, _ in heard), "words": words})

    result = align(song["audio"], decode_audio(song["audio"]), None, method="auto")

    (req,) = api.requests
    assert req["path"] == "/v1/speech-to-text"
    assert req["headers"]["xi-api-key"] == KEY
    assert req["fields"]["model_id"][1] == b"scribe_v2"
    assert req["fields"]["timestamps_granularity"][1] == b"word"
    assert req["fields"]["file"][1] == song["audio"].read_bytes()
    assert result.transcribed
    assert [(w.text, w.start) for w in result.words] == heard
    # New lines after the sentence ("along."), at the pause, and after LINE_WORDS (8) words.
    assert [w.line for w in result.words] == [0] * 6 + [1] * 8 + [2] * 2
    assert all(w.confidence == pytest.approx(0.905, abs=1e-3) for w in result.words)


@pytest.mark.parametrize("status, body, message", [
    (401, {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}, "ElevenLabs: invalid API key"),
    (422, {"detail": [{"loc": ["body", "text"], "msg": "text is too long", "type": "value_error"}]},
     "ElevenLabs refused the request (HTTP 422): text is too long"),
    (400, {"detail": {"status": "invalid_audio", "message": "The audio could not be decoded"}},
     "ElevenLabs refused the request (HTTP 400): The audio could not be decoded"),
])
def test_api_errors_become_reel_errors(api, song, status, body, message):
    api.answers["/v1/forced-alignment"] = (status, body)
    with pytest.raises(ReelError) as err:
        align(song["audio"], decode_audio(song["audio"]), parse_lyrics(song["lyrics"]), method="elevenlabs")
    assert str(err.value) == message
    assert len(api.requests) == 1


def test_unreachable_server(monkeypatch, song):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("ELEVENLABS_API_KEY", KEY)
    monkeypatch.setenv("ELEVENLABS_BASE_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(ReelError, match="^ElevenLabs unreachable: "):
        align(song["audio"], decode_audio(song["audio"]), None, method="elevenlabs")


def test_no_key_is_a_clear_error(monkeypatch, song):
    monkeypatch.delenv("ELEVENLABS_API_KEY", raising=False)
    with pytest.raises(ReelError, match="set ELEVENLABS_API_KEY"):
        align(song["audio"], decode_audio(song["audio"]), None, method="elevenlabs")


def test_mapping_keeps_every_lyric_word_in_order():
    lyrics = parse_lyrics("Don't stop\nbelievin' hold on to that feelin'")
    heard = [Timed("dont", 1.0, 1.4, 0.9), Timed("stop", 1.5, 2.0, 0.9), Timed("believing", 2.5, 3.0, 0.9),
             Timed("hold", 3.1, 3.3, 0.9), Timed("on", 3.4, 3.5, 0.9), Timed("extra", 3.5, 3.6, 0.9),
             Timed("feeling", 4.0, 4.8, 0.9)]
    words = map_to_lyrics(lyrics.words, heard)
    assert [(w.text, w.line) for w in words] == lyrics.words
    assert all(a.start <= b.start for a, b in zip(words, words[1:]))
    by_text = {normalize_word(w.text): w for w in words}
    assert by_text["dont"].start == 1.0 and by_text["feelin"].end == 4.8
    assert by_text["to"].confidence < 0.5 and by_text["hold"].confidence == 0.9
    with pytest.raises(ReelError, match="no word timings"):
        map_to_lyrics(lyrics.words, [Timed(" ", 0, 1, 1.0)])
