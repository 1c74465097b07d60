// Runs as the gr.HTML `js_on_load` of the caption player (see player.py): `element`
// is the component, `watch` re-runs `wire` whenever Python sends a new player.
function wire() {
  const root = element.querySelector('.reel-player');
  if (!root || root.dataset.wired) return;
  root.dataset.wired = '1';
  const audio = root.querySelector('audio');
  const look = JSON.parse(root.dataset.look);  // the template's record (reel/styles.py)
  const showAll = !look.perWord;  // whole pages, no active word
  const pages = [...root.querySelectorAll('.reel-page')].map((el) => ({
    el, start: +el.dataset.s, end: +el.dataset.e,
    words: [...el.querySelectorAll('.reel-word')].map((w) => ({ el: w, start: +w.dataset.s })),
  }));
  let shown = null;
  let shownActive = null;
  const show = (t) => {
    const page = pages.find((p) => p.start <= t && t < p.end) || null;
    let active = -1;
    if (page) active = showAll ? page.words.length : page.words.findLastIndex((w) => w.start <= t);
    if (page === shown && active === shownActive) return;
    if (shown && shown !== page) shown.el.hidden = true;
    if (page) {
      page.el.hidden = false;
      page.words.forEach((w, i) => {
        w.el.className = 'reel-word ' + (i < active ? 'sung' : i === active ? 'active' : 'upcoming');
      });
    }
    shown = page;
    shownActive = active;
  };
  const frame = () => {
    show(audio.currentTime);
    if (!audio.paused && !audio.ended) requestAnimationFrame(frame);
  };
  audio.addEventListener('play', () => requestAnimationFrame(frame));
  audio.addEventListener('seeked', () => show(audio.currentTime));
  audio.addEventListener('timeupdate', () => show(audio.currentTime));
  show(audio.currentTime);
}
wire();
watch('value', wire);
