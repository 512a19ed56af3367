// The player page: pick a camera and a time, play it through hls.js, show the camera's clock.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const state = { token: localStorage.getItem('nvr-token') || '', hls: null, fatalErrors: [], spans: [] };
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

  async function loadTimeline() {
    const camera = $('camera').value;
    const day = $('day').value;
    if (!camera || !day) return;
    const after = Date.parse(`${day}T00:00:00Z`) / 1000;
    const before = after + 86400;
    const { status: code, body } = await api(`/cameras/${encodeURIComponent(camera)}/recordings?after=${after}&before=${before}`);
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

  async function play() {
    const camera = $('camera').value;
    const start = fromLocalInput($('start').value);
    const end = fromLocalInput($('end').value);
    if (!camera || !Number.isFinite(start) || !Number.isFinite(end)) return status('Pick a camera and a range first.', true);
    status('Starting the transcode…');
    const { status: code, body } = await api(`/transcode/${encodeURIComponent(camera)}/start/${start}/end/${end}`);
    if (code === 429) return status(`The server is busy: ${body.message}`, true);
    if (code === 504) return status(`The first segment did not come in time: ${body.message}`, true);
    if (code !== 200) return status(body.message || `Could not start (${code})`, true);
    attach(body.playlist);
    status('Playing.');
  }

  function attach(playlist) {
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
  }

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
    const date = state.hls && state.hls.playingDate;
    $('clock').value = date ? `${date.toISOString().replace('T', ' ').slice(0, 19)} UTC` : '—';
    $('clock').dataset.epoch = date ? String(date.getTime() / 1000) : '';
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
  $('play').addEventListener('click', play);

  $('day').value = new Date().toISOString().slice(0, 10);
  loadCameras();
})();
