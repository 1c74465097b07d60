"""The page in a real browser: headless Debian Chromium driven by Playwright.

Load the example with one click, preview the subtitles (table, in-page player playing
the captions), fix a word in the table, change the style, create the video, follow the progress bar to
the end and see the video. Any console error or request off this machine fails the
test. A screenshot is saved in the test's tmp folder (path printed).
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from app_server import EXAMPLES, running_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]

if not CHROMIUM.exists():
    pytest.fail(f"the browser test needs Debian's chromium at {CHROMIUM} (apt install chromium)",
                pytrace=False)

from playwright.sync_api import sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("app-browser")


@pytest.fixture(scope="module")
def app_url(data_dir):
    with running_app(data_dir) as url:
        yield url


@pytest.fixture
def page(app_url):
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

        def local_only(route):
            if route.request.url.startswith(app_url):
                return route.continue_()
            problems.append(f"request off this machine: {route.request.url}")
            return route.abort()

        page.route("**/*", local_only)
        page.goto(app_url)
        page.expected_console_errors = []  # a test may expect one (the browser's own, e.g. a bad upload's)
        yield page
        browser.close()
    problems = [p for p in problems if not any(e in p for e in page.expected_console_errors)]
    assert not problems, "\n".join(problems)


def player_state(page) -> dict:
    """What the in-page player shows now."""
    return page.evaluate("""() => {
        const root = document.querySelector('#reel-player .reel-player');
        const audio = root.querySelector('audio');
        const shown = [...root.querySelectorAll('.reel-page')].filter((p) => !p.hidden);
        return {style: root.dataset.style, time: audio.currentTime, duration: audio.duration,
                pages: shown.map((p) => p.innerText.replace(/\\s+/g, ' ').trim()),
                active: [...root.querySelectorAll('.reel-word.active')].map((w) => w.innerText)};
    }""")


def play_at(page, seconds: float) -> None:
    page.evaluate("""(t) => { const a = document.querySelector('#reel-player audio');
        a.muted = true; a.currentTime = t; return a.play(); }""", seconds)


def test_example_preview_edit_play_create_video(page, data_dir, tmp_path):
    page.wait_for_selector("#reel-preview-btn")
    page.get_by_text("song.mp3").click()
    page.wait_for_function("document.querySelector('#reel-lyrics textarea').value.includes('Golden light')")

    page.click("#reel-preview-btn")
    page.wait_for_selector("#reel-player .reel-player audio", state="attached", timeout=120_000)
    first_word = page.locator("#reel-words [role=gridcell]", has_text="Golden").first
    first_word.wait_for()

    play_at(page, 2.0)
    page.wait_for_function("document.querySelector('#reel-player audio').currentTime > 2.4")
    state = player_state(page)
    page.evaluate("document.querySelector('#reel-player audio').pause()")
    assert state["duration"] == pytest.approx(16.0, abs=0.5)
    assert state["pages"] and state["pages"][0].startswith("Golden light"), state
    assert len(state["active"]) == 1 and state["active"][0] in state["pages"][0], state

    first_word.dblclick()  # fix a word in the table: the player and the render follow
    page.keyboard.press("Control+A")
    page.keyboard.type("GOLDEN")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#reel-player .reel-word').innerText === 'GOLDEN'")

    page.get_by_label("Style").first.click()
    page.get_by_role("option", name="lines").click()
    page.wait_for_selector("#reel-player .reel-player[data-style=lines]", state="attached")

    page.evaluate("""() => {  // record every state the progress bar shows
        window.reelProgress = [];
        const box = document.querySelector('#reel-progress');
        new MutationObserver(() => {
            const bar = box.querySelector('.reel-progress[data-state]');
            if (bar) window.reelProgress.push([bar.dataset.state, +bar.dataset.progress]);
        }).observe(box, {subtree: true, childList: true, attributes: true});
    }""")
    page.click("#reel-create-btn")
    page.wait_for_selector("#reel-progress [data-state=completed]", timeout=240_000)
    seen = page.evaluate("window.reelProgress")
    processing = [p for state, p in seen if state == "processing"]
    assert processing and 0 <= min(processing) < 100, seen  # the bar moved while it worked
    assert processing == sorted(processing) and seen[-1] == ["completed", 100], seen
    page.wait_for_function("(() => { const v = document.querySelector('#reel-video video');"
                           " return v && v.readyState >= 1 && v.videoWidth > 0; })()", timeout=60_000)
    size = page.evaluate("(() => { const v = document.querySelector('#reel-video video');"
                         " return [v.videoWidth, v.videoHeight, v.duration]; })()")
    assert size[:2] == [1080, 1920] and size[2] == pytest.approx(16.0, abs=0.5)
    for kind in ("mp4", "srt", "ass"):
        assert page.locator(f"#reel-download-{kind}").is_visible()
    (srt,) = (data_dir / "jobs").glob("*/captions.srt")
    assert "GOLDEN light" in srt.read_text(encoding="utf-8")

    shot = tmp_path / "app.png"
    page.locator("#reel-video").scroll_into_view_if_needed()
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")


def seek_and_look(page, seconds: float) -> dict:
    """Seek the paused player to `seconds`; the shown words and the computed look of each."""
    return page.evaluate("""async (t) => {
        const root = document.querySelector('#reel-player .reel-player');
        const audio = root.querySelector('audio');
        audio.pause();
        await new Promise((done) => { audio.addEventListener('seeked', done, {once: true}); audio.currentTime = t; });
        const page = [...root.querySelectorAll('.reel-page')].find((p) => !p.hidden);
        const words = page ? [...page.querySelectorAll('.reel-word')] : [];
        return {style: root.dataset.style, words: words.map((w) => {
            const css = getComputedStyle(w);
            return {text: w.innerText, state: w.className.replace('reel-word ', ''), visible: css.visibility,
                    background: css.backgroundColor, shadow: css.textShadow, transform: css.transform,
                    width: w.getBoundingClientRect().width};
        })};
    }""", seconds)


def record_event_progress(page) -> None:
    """Collect every text Gradio's progress bars show (gr.Progress: "Timing the words - 40.0%")."""
    page.evaluate("""() => {
        window.reelEventProgress = [];
        new MutationObserver(() => {
            for (const level of document.querySelectorAll('.progress-level-inner')) {
                const text = level.innerText.replace(/\\s+/g, ' ').trim();
                if (text && window.reelEventProgress.at(-1) !== text) window.reelEventProgress.push(text);
            }
        }).observe(document.body, {subtree: true, childList: true, characterData: true});
    }""")


def test_the_player_shows_each_template_as_it_renders(page, tmp_path):
    page.wait_for_selector("#reel-preview-btn")
    page.get_by_text("song.mp3").click()
    page.wait_for_function("document.querySelector('#reel-lyrics textarea').value.includes('Golden light')")
    record_event_progress(page)
    page.click("#reel-preview-btn")
    page.wait_for_selector("#reel-player .reel-player audio", state="attached", timeout=120_000)
    shown = page.evaluate("window.reelEventProgress")  # the preview said what it was doing while it worked
    assert any(text.startswith("Checking the files") for text in shown), shown
    assert any(text.startswith("Timing the words") for text in shown), shown
    second = page.evaluate("+document.querySelectorAll('#reel-player .reel-word')[1].dataset.s")
    looks = {}
    for style in ("box", "bounce", "word", "typewriter", "glow"):
        page.get_by_label("Style").first.click()
        page.get_by_role("option", name=style, exact=True).click()
        page.wait_for_selector(f"#reel-player .reel-player[data-style={style}]", state="attached")
        looks[style] = seek_and_look(page, second + 0.03), seek_and_look(page, second + 0.3)
        if style == "glow":
            shot = tmp_path / "player-glow.png"
            page.locator("#reel-player").screenshot(path=str(shot))
            print(f"screenshot: {shot}")
    box = looks["box"][1]["words"]
    assert box[1]["state"] == "active" and box[1]["background"] == "rgb(255, 210, 63)"
    assert box[0]["background"] == "rgba(0, 0, 0, 0)"
    moving, resting = (look["words"][1] for look in looks["bounce"])
    assert moving["transform"].startswith("matrix(1.1") and resting["transform"] == "none"
    assert moving["width"] > 1.08 * resting["width"]
    assert [len(look["words"]) for look in looks["word"]] == [1, 1]
    assert looks["word"][0]["words"][0]["width"] < 0.95 * looks["word"][1]["words"][0]["width"]  # popping in
    typed = looks["typewriter"][1]["words"]
    assert [w["visible"] for w in typed[:2]] == ["visible", "visible"]
    assert typed[2:] and all(w["visible"] == "hidden" for w in typed[2:])
    glowing = looks["glow"][1]["words"]
    assert "rgb(255, 210, 63)" in glowing[1]["shadow"] and "rgb(255, 210, 63)" not in glowing[0]["shadow"]


def cached_names(data_dir) -> list[str]:
    """Names of the files in Gradio's cache folder (GRADIO_TEMP_DIR of the test app)."""
    return [p.name for p in (data_dir / "gradio").rglob("*") if p.is_file()]


@pytest.mark.parametrize("name, content, field, message", [
    ("holiday.jpg", b"not a picture at all", "reel-image", "holiday.jpg is not a readable image"),
    ("notes.mp3", b"these are notes, not a song\n" * 40, "reel-audio", "notes.mp3 is not an audio file"),
    ("brand.ttf", b"\x00\x01\x00\x00 not really a font", "reel-font", "brand.ttf is not a font file"),
])
def test_a_refused_upload_gets_a_message_and_leaves_no_file(page, data_dir, tmp_path, name, content, field,
                                                            message):
    bad = tmp_path / name
    bad.write_bytes(content)
    # The audio player loads the file as it arrives, and again once it is gone: the browser's own noise.
    # Gone before the request: 403; removed between Gradio's check and the file's read (Starlette): 500.
    page.expected_console_errors += ["Waveform load error", "status of 403 (Forbidden)",
                                     "status of 500 (Internal Server Error)"]
    page.wait_for_selector("#reel-preview-btn")
    page.locator(f"#{field} input[type=file]").set_input_files(str(bad))
    toast = page.locator(".toast-body", has_text=name)
    toast.wait_for(timeout=30_000)
    assert message in toast.inner_text() and "Traceback" not in toast.inner_text()
    page.wait_for_function("(n) => !document.body.innerHTML.includes(n)", arg=name)  # the input is empty again
    assert name not in cached_names(data_dir)


def test_a_lyrics_file_leaves_the_cache_once_read(page, data_dir, tmp_path):
    lrc = tmp_path / "my-song.lrc"
    lrc.write_text("[00:01.00] Paper lanterns drifting\n[00:04.00] over quiet water\n", encoding="utf-8")
    page.wait_for_selector("#reel-preview-btn")
    with page.expect_file_chooser() as chooser:
        page.click("#reel-lyrics-file")
    chooser.value.set_files(str(lrc))
    page.wait_for_function("document.querySelector('#reel-lyrics textarea').value.includes('Paper lanterns')")
    assert "my-song.lrc" not in cached_names(data_dir)
    assert page.get_by_text("No lyrics: transcribe").count() == 0  # offline transcription is not offered


def test_every_colour_swatch_stands_out_from_its_panel(page):
    """A white Text swatch on a white panel must still show as a swatch: its edge differs from the panel."""
    page.wait_for_selector("#reel-text-color button.dialog-button")
    for elem, colour in (("reel-text-color", (255, 255, 255)), ("reel-highlight-color", (255, 210, 63)),
                         ("reel-outline-color", (0, 0, 0))):
        block = page.locator(f"#{elem}")
        block.scroll_into_view_if_needed()
        shot = Image.open(io.BytesIO(block.screenshot())).convert("RGB")
        outer, inner = block.bounding_box(), block.locator("button.dialog-button").bounding_box()
        left, top = round(inner["x"] - outer["x"]), round(inner["y"] - outer["y"])
        middle = top + round(inner["height"] / 2)
        panel = shot.getpixel((left + round(inner["width"]) + 8, middle))  # beside the swatch
        centre = shot.getpixel((left + round(inner["width"] / 2), middle))
        edge = [shot.getpixel((x, middle)) for x in range(left - 2, left + 3)]  # across its left edge
        assert max(abs(a - b) for a, b in zip(centre, colour)) <= 3, (elem, centre)
        assert max(abs(a - b) for pixel in edge for a, b in zip(pixel, panel)) >= 60, (elem, edge, panel)


def word_start(page, text: str) -> float:
    """Start (s of the player's time line) of the first word `text` in the player."""
    return page.evaluate("""(text) => +[...document.querySelectorAll('#reel-player .reel-word')]
        .find((w) => w.innerText === text).dataset.s""", text)


def clip_of_player(page) -> list:
    return page.evaluate("""() => { const d = document.querySelector('#reel-player .reel-player').dataset;
        return [d.clipStart === undefined ? null : +d.clipStart, d.clipEnd === undefined ? null : +d.clipEnd]; }""")


def test_find_the_chorus_play_just_it_and_render_it(page, data_dir):
    """Platform Shorts, "Find the chorus" fills the clip (the example's [Chorus] lines), the player
    plays only that part with the clip's caption times; a bad clip is one message and no job; the
    video is the clip."""
    page.wait_for_selector("#reel-preview-btn")
    page.get_by_text("song.mp3").click()
    page.wait_for_function("document.querySelector('#reel-lyrics textarea').value.includes('Golden light')")
    page.click("#reel-preview-btn")
    page.wait_for_selector("#reel-player .reel-player audio", state="attached", timeout=120_000)
    sung_at = word_start(page, "Sing")  # the chorus's first word, in the whole song
    assert clip_of_player(page) == [None, None]

    page.locator("#reel-platform").get_by_text("YouTube Shorts").click()
    page.click("#reel-chorus-btn")
    page.wait_for_function("document.querySelector('#reel-player .reel-player').dataset.clipStart !== undefined",
                           timeout=60_000)
    start_box, end_box = page.locator("#reel-clip-start textarea"), page.locator("#reel-clip-end textarea")
    start, end = clip_of_player(page)
    assert start == pytest.approx(sung_at - 1.0, abs=0.02) and sung_at < end <= 16.5
    assert (start_box.input_value(), end_box.input_value()) == (f"0:{start:05.2f}".rstrip("0").rstrip("."),
                                                                f"0:{end:05.2f}".rstrip("0").rstrip("."))
    note = page.locator("#reel-clip-note").inner_text()
    assert note.startswith("Clip: ") and f"({end - start:.1f} s of the song)" in note
    assert word_start(page, "Sing") == pytest.approx(1.0, abs=0.02)  # caption times from the clip's start

    play_at(page, 0.0)  # before the clip: the player jumps to its start
    page.wait_for_function(f"document.querySelector('#reel-player audio').currentTime > {start + 1.2}")
    state = player_state(page)
    assert start + 1.2 < state["time"] < end and state["pages"][0].startswith("Sing it loud"), state
    play_at(page, end - 0.4)  # its end pauses and rewinds to its start
    page.wait_for_function(f"""(() => {{ const a = document.querySelector('#reel-player audio');
        return a.paused && Math.abs(a.currentTime - {start}) < 0.05; }})()""", timeout=20_000)

    jobs_before = len(list((data_dir / "jobs").glob("*"))) if (data_dir / "jobs").exists() else 0
    start_box.fill("0:09")
    end_box.fill("5")
    end_box.press("Tab")
    page.wait_for_function("document.querySelector('#reel-clip-note').innerText.includes('before it starts')")
    assert page.locator("#reel-clip-note").inner_text() == "⚠ the clip ends (5 s) before it starts (9 s)"
    page.click("#reel-create-btn")
    toast = page.locator(".toast-body", has_text="before it starts")
    toast.wait_for(timeout=30_000)
    assert "Traceback" not in toast.inner_text()
    jobs_after = len(list((data_dir / "jobs").glob("*"))) if (data_dir / "jobs").exists() else 0
    assert jobs_after == jobs_before  # nothing queued, nothing left on disk

    start_box.fill(f"{start:g}")
    end_box.fill(f"{end:g}")
    end_box.press("Tab")
    page.wait_for_function("document.querySelector('#reel-clip-note').innerText.startsWith('Clip: 0:')")
    page.click("#reel-create-btn")
    page.wait_for_selector("#reel-progress [data-state=completed]", timeout=240_000)
    page.wait_for_function("(() => { const v = document.querySelector('#reel-video video');"
                           " return v && v.readyState >= 1 && v.videoWidth > 0; })()", timeout=60_000)
    width, height, seconds = page.evaluate("(() => { const v = document.querySelector('#reel-video video');"
                                           " return [v.videoWidth, v.videoHeight, v.duration]; })()")
    assert (width, height) == (1080, 1920) and seconds == pytest.approx(end - start, abs=0.1)
