// Runs as the gr.HTML `js_on_load` of the caption player (see player.py): `element`
// is the component, `watch` re-runs `wire` whenever Python sends a new player.
// `data-look` is the template's record (reel/styles.py CaptionStyle.player_look):
// whether words are marked one by one, how (colour or box), whether words not yet
// sung are hidden, the glow, and the sung word's motion keyframes.
// Gradio may patch the new player into the old elements, so each wiring first stops
// the previous one (its listeners and frame loop), which knew other pages.
// With a clip (`data-clip-start` / `data-clip-end`, seconds of the song) only that part
// plays: play starts at the clip, its end pauses and rewinds; page times count from
// the clip's start, as in the rendered video.
function wire() {
  const root = element.querySelector('.reel-player');
  if (!root) return;
  const audio = root.querySelector('audio');
  if (audio.reelWiring) audio.reelWiring.abort();
  const wiring = new AbortController();
  audio.reelWiring = wiring;
  const look = JSON.parse(root.dataset.look);
  root.dataset.highlight = look.highlight;  // player.css draws the look from these
  root.dataset.glow = look.glow;
  root.dataset.hideUpcoming = look.hideUpcoming;
  const pages = [...root.querySelectorAll('.reel-page')].map((el) => ({
    el, start: +el.dataset.s, end: +el.dataset.e,
    words: [...el.querySelectorAll('.reel-word')].map((w) => ({ el: w, start: +w.dataset.s })),
  }));
  // The sung word's scale `elapsed` s after it starts, as reel.styles.Motion.scale_at.
  const scaleAt = (elapsed) => {
    const m = look.motion;
    if (!m || elapsed >= m.seconds) return 1;
    const k = m.keyframes;
    const at = (Math.max(0, elapsed) / m.seconds) * (k.length - 1);
    const i = Math.floor(at);
    const next = k[Math.min(i + 1, k.length - 1)];
    return k[i] + (next - k[i]) * (at - i);
  };
  let shown = null;
  let shownActive = null;
  let shownScale = 1;
  const show = (t) => {
    const page = pages.find((p) => p.start <= t && t < p.end) || null;
    let active = -1;
    if (page) active = look.perWord ? page.words.findLastIndex((w) => w.start <= t) : page.words.length;
    const scale = page && page.words[active] ? scaleAt(t - Math.max(page.words[active].start, page.start)) : 1;
    if (page === shown && active === shownActive && scale === shownScale) return;
    if (shown && shown !== page) shown.el.hidden = true;
    if (page) {
      page.el.hidden = false;
      page.words.forEach((w, i) => {
        w.el.className = 'reel-word ' + (i < active ? 'sung' : i === active ? 'active' : 'upcoming');
        w.el.style.transform = i === active && scale !== 1 ? `scale(${scale})` : '';
      });
    }
    shown = page;
    shownActive = active;
    shownScale = scale;
  };
  const clipStart = +(root.dataset.clipStart || 0);
  const clipEnd = root.dataset.clipEnd ? +root.dataset.clipEnd : Infinity;
  const inClip = () => {  // keeps the song inside the clip; the clip's own time
    if (audio.currentTime >= clipEnd) {
      audio.pause();
      audio.currentTime = clipStart;
    } else if (audio.currentTime < clipStart) {
      audio.currentTime = clipStart;
    }
    return audio.currentTime - clipStart;
  };
  const frame = () => {
    if (wiring.signal.aborted) return;
    show(inClip());
    if (!audio.paused && !audio.ended) requestAnimationFrame(frame);
  };
  const listen = { signal: wiring.signal };
  audio.addEventListener('play', () => requestAnimationFrame(frame), listen);
  audio.addEventListener('seeked', () => show(inClip()), listen);
  audio.addEventListener('timeupdate', () => show(inClip()), listen);
  pages.forEach((p) => { p.el.hidden = true; });
  if (audio.readyState > 0) show(inClip());
  else audio.addEventListener('loadedmetadata', () => show(inClip()), { ...listen, once: true });
}
wire();
watch('value', wire);
