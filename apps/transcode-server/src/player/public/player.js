// The player page: pick a camera and a time, play it through hls.js, show the camera's clock.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const state = { token: localStorage.getItem('nvr-token') || '', hls: null, fatalErrors: [], spans: [], speed: 1 };
  window.playerState = state; // read by the browser tests

  const status = (text, isError = false) => {
    $('status').textContent = text;
    $('status').classList.toggle('error', isError);
  };
  const headers = () => (state.token ? { Authorization: `Bearer ${state.token}` } : {});
  const api = async (path) => {
    const response = await fetch(path, { headers: headers(), credentials: 'same-origin' });
    const body = await response.json().catch(() => ({}));
    return { status: response.status, body };
  };
  const toLocalInput = (epoch) => new Date(epoch * 1000).toISOString().slice(0, 19);
  const fromLocalInput = (value) => Date.parse(`${value}Z`) / 1000;

  async function loadCameras() {
    const { status: code, body } = await api('/cameras');
    if (code === 401) return status('Sign in: paste a token above (or log in to Frigate on this site).', true);
    if (code !== 200) return status(body.message || `Could not list cameras (${code})`, true);
    $('camera').replaceChildren(...body.cameras.map((name) => new Option(name, name)));
    status(body.cameras.length ? 'Pick a time.' : 'No cameras you may see.');
    await loadTimeline();
  }

  /** The last timeline asked for: an answer to an earlier pick, arriving later, is dropped. */
  let timelineAsked = 0;

  async function loadTimeline() {
    const camera = $('camera').value;
    const day = $('day').value;
    if (!camera || !day) return;
    const after = Date.parse(`${day}T00:00:00Z`) / 1000;
    const before = after + 86400;
    const asked = ++timelineAsked;
    const { status: code, body } = await api(`/cameras/${encodeURIComponent(camera)}/recordings?after=${after}&before=${before}`);
    if (asked !== timelineAsked) return;
    const timeline = $('timeline');
    timeline.replaceChildren();
    if (code !== 200) return status(body.message || `Could not load recordings (${code})`, true);
    state.spans = body.spans;
    for (const span of body.spans) {
      const bar = document.createElement('div');
      bar.className = 'span';
      bar.style.left = `${((span.start - after) / 86400) * 100}%`;
      bar.style.width = `${Math.max(0.2, ((span.end - span.start) / 86400) * 100)}%`;
      bar.title = `${toLocalInput(span.start)} – ${toLocalInput(span.end)} UTC`;
      timeline.append(bar);
    }
    timeline.onclick = (event) => {
      const at = after + ((event.offsetX + (event.target === timeline ? 0 : event.target.offsetLeft)) / timeline.clientWidth) * 86400;
      $('start').value = toLocalInput(Math.floor(at));
      $('end').value = toLocalInput(Math.floor(at) + 600);
    };
    if (!$('start').value && body.spans.length) {
      $('start').value = toLocalInput(body.spans[0].start);
      $('end').value = toLocalInput(Math.min(body.spans[0].end, body.spans[0].start + 600));
    }
    status(body.spans.length ? 'Pick a range (click the timeline) and press Play.' : 'No recordings that day.');
  }

  // `resumeAt`: the camera time to play on from (a change of speed keeps the place).
  async function play(resumeAt) {
    const camera = $('camera').value;
    const start = fromLocalInput($('start').value);
    const end = fromLocalInput($('end').value);
    const speed = Number($('speed').value) || 1;
    if (!camera || !Number.isFinite(start) || !Number.isFinite(end)) return status('Pick a camera and a range first.', true);
    status('Starting the transcode…');
    const query = speed === 1 ? '' : `?speed=${speed}`;
    const { status: code, body } = await api(`/transcode/${encodeURIComponent(camera)}/start/${start}/end/${end}${query}`);
    if (code === 429) return status(`The server is busy: ${body.message}`, true);
    if (code === 504) return status(`The first segment did not come in time: ${body.message}`, true);
    if (code !== 200) return status(body.message || `Could not start (${code})`, true);
    state.speed = speed;
    attach(body.playlist, typeof resumeAt === 'number' ? resumeAt : undefined);
    status(speed === 1 ? 'Playing.' : `Playing at ${speed}× (video only).`);
  }

  /** The playlist's fragments, each with its player start and its camera time (hls.js parses PROGRAM-DATE-TIME). */
  const fragments = () => {
    const level = state.hls && state.hls.levels[Math.max(0, state.hls.currentLevel)];
    return (level && level.details && level.details.fragments) || [];
  };

  /**
   * The camera's time at player time `time`: the fragment's PROGRAM-DATE-TIME plus the time into
   * it, times the speed (hls.js's own playingDate counts a second of a fast rendition as one).
   */
  function cameraTimeAt(time) {
    const fragment = fragments().find((f) => time >= f.start && time < f.start + f.duration) || fragments()[fragments().length - 1];
    if (!fragment || !fragment.programDateTime) return null;
    return fragment.programDateTime / 1000 + (time - fragment.start) * state.speed;
  }

  /** The player time that shows camera time `epoch` (the inverse of cameraTimeAt). */
  function playerTimeAt(epoch) {
    const list = fragments().filter((f) => f.programDateTime);
    const fragment = [...list].reverse().find((f) => f.programDateTime / 1000 <= epoch) || list[0];
    if (!fragment) return 0;
    return fragment.start + Math.min(fragment.duration, Math.max(0, (epoch - fragment.programDateTime / 1000) / state.speed));
  }

  function attach(playlist, resumeAt) {
    if (state.hls) state.hls.destroy();
    const video = $('video');
    const hls = new Hls();
    state.hls = hls;
    state.fatalErrors = [];
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      state.fatalErrors.push(`${data.type}: ${data.details}`);
      status(`Playback error: ${data.details}`, true);
    });
    hls.loadSource(playlist);
    hls.attachMedia(video);
    hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch(() => status('Press play to start.')));
    if (resumeAt !== undefined) hls.once(Hls.Events.LEVEL_LOADED, () => (video.currentTime = playerTimeAt(resumeAt)));
  }

  // A new speed is a rendition of its own: started at the camera time on screen.
  $('speed').addEventListener('change', () => {
    if (!state.hls) return;
    const at = cameraTimeAt($('video').currentTime);
    play(at === null ? undefined : at);
  });

  // Export MP4: the range as one file. Fetched (not a plain link) so the token header goes with
  // it; the server answers once the file is written, so its progress route is polled meanwhile.
  async function exportMp4() {
    const camera = $('camera').value;
    const start = fromLocalInput($('start').value);
    const end = fromLocalInput($('end').value);
    if (!camera || !Number.isFinite(start) || !Number.isFinite(end)) return status('Pick a camera and a range first.', true);
    const range = `/export/${encodeURIComponent(camera)}/start/${start}/end/${end}`;
    let finished = false;
    $('export').disabled = true;
    status('Exporting…');
    const poll = setInterval(async () => {
      const { status: code, body } = await api(`${range}/progress`);
      if (finished || code !== 200) return;
      if (body.state === 'collecting' && body.segmentsTotal) status(`Exporting: ${body.segmentsDone} of ${body.segmentsTotal} segments`);
      if (body.state === 'muxing') status('Writing MP4…');
      if (body.state === 'done') status('Downloading MP4…');
    }, 1000);
    try {
      const response = await fetch(`${range}.mp4`, { headers: headers(), credentials: 'same-origin' });
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        return status(body.message || `Export failed (${response.status})`, true);
      }
      const blob = await response.blob();
      const name = (/filename="([^"]+)"/.exec(response.headers.get('content-disposition') || '') || [])[1] || 'export.mp4';
      const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(blob), download: name });
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
      status(`Exported ${name}.`);
    } catch (error) {
      status(`Export failed: ${error.message}`, true);
    } finally {
      finished = true;
      clearInterval(poll);
      $('export').disabled = false;
    }
  }
  $('export').addEventListener('click', exportMp4);

  // The camera's own time of the frame on screen, from the playlist's PROGRAM-DATE-TIME.
  $('video').addEventListener('timeupdate', () => {
    const time = $('video').currentTime;
    const epoch = state.hls ? cameraTimeAt(time) : null;
    $('clock').value = epoch !== null ? `${new Date(epoch * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC` : '—';
    $('clock').dataset.epoch = epoch !== null ? String(epoch) : '';
    // (The player time it was worked out for: the clock is only updated a few times a second.)
    $('clock').dataset.playerTime = String(time);
  });

  $('signin').addEventListener('submit', (event) => {
    event.preventDefault();
    state.token = $('token').value.trim();
    localStorage.setItem('nvr-token', state.token);
    $('token').value = '';
    loadCameras();
  });
  $('camera').addEventListener('change', loadTimeline);
  $('day').addEventListener('change', loadTimeline);
  $('play').addEventListener('click', () => play());

  $('day').value = new Date().toISOString().slice(0, 10);
  loadCameras();
})();
