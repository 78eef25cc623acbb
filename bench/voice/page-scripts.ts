/**
 * Code the benchmark runs inside the two Chromium pages, as JavaScript
 * source strings: functions compiled by tsx can carry helper calls that do
 * not exist in the page, and these must run exactly as written.
 *
 * Every recording comes back as base64 of its Float32 bytes (a 30 s take
 * is 5.8 MB; as a JSON number array it would be four times that).
 */

/** Page helper: Float32Array → base64. */
const TO_BASE64 = `
function toBase64(f32) {
  const bytes = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}`;

/** Records a Parley engine tap: `({ tap, ms })` → `{ b64, contextMs, wallMs }`. */
export const RECORD_PARLEY = `async ({ tap, ms }) => {
  ${TO_BASE64}
  const t0 = performance.now();
  const r = await window.parley.audio.recordTimed(tap, ms);
  // Wall time the take needed: more than ms means the audio clock fell behind (render underruns).
  const wallSpanMs = performance.now() - t0;
  return { b64: toBase64(r.samples), contextMs: r.contextMs, wallMs: r.wallMs, wallSpanMs };
}`;

/** Samples the page's wall clock: `performance.timeOrigin + performance.now()`. */
export const WALL_CLOCK = `() => performance.timeOrigin + performance.now()`;

/**
 * The WebRTC baseline's page side. `setup(role)` builds an AudioContext with
 * a recording tap worklet: on the sender (role 'a') the microphone (same
 * constraints as Parley) feeds the tap and an RTCPeerConnection audio
 * track; on the receiver (role 'b') the remote track feeds the tap, which
 * plays to the destination. `record(ms)` returns the tap's samples with
 * the wall-clock time of the first one, mapped exactly as Parley's engine
 * does (smallest wall - context offset seen while recording).
 */
export const BASELINE_SETUP = `async (role) => {
  ${TO_BASE64}
  const TAP = \`registerProcessor('bench-tap', class extends AudioWorkletProcessor {
    constructor() { super(); this.buf = null; this.filled = 0; this.start = 0;
      this.port.onmessage = (e) => { this.buf = new Float32Array(e.data); this.filled = 0; }; }
    process(inputs, outputs) {
      const ch = inputs[0] && inputs[0][0];
      const out = outputs[0] && outputs[0][0];
      if (ch && out) out.set(ch);
      if (this.buf) {
        if (this.filled === 0) this.start = currentTime * 1000;
        const src = ch || new Float32Array(128);
        const n = Math.min(src.length, this.buf.length - this.filled);
        this.buf.set(src.subarray(0, n), this.filled);
        this.filled += n;
        if (this.filled >= this.buf.length) { this.port.postMessage({ samples: this.buf, startMs: this.start }, [this.buf.buffer]); this.buf = null; }
      }
      return true;
    }
  });\`;
  const ctx = new AudioContext({ sampleRate: 48000, latencyHint: 'interactive' });
  await ctx.resume();
  await ctx.audioWorklet.addModule(URL.createObjectURL(new Blob([TAP], { type: 'text/javascript' })));
  const tap = new AudioWorkletNode(ctx, 'bench-tap', { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1], channelCount: 1, channelCountMode: 'explicit' });
  const pc = new RTCPeerConnection({ iceServers: [] });
  const bench = { ctx, tap, pc, heard: false };
  window.__bench = bench;
  if (role === 'a') {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 }, video: false });
    ctx.createMediaStreamSource(stream).connect(tap);
    const mute = ctx.createGain();
    mute.gain.value = 0;
    tap.connect(mute).connect(ctx.destination);
    pc.addTrack(stream.getAudioTracks()[0], stream);
  } else {
    tap.connect(ctx.destination);
    pc.ontrack = (e) => {
      const remote = e.streams[0] || new MediaStream([e.track]);
      // Chromium pulls a remote track into Web Audio only while a media element also holds it.
      const el = new Audio();
      el.muted = true;
      el.srcObject = remote;
      el.play().catch(() => {});
      bench.el = el;
      ctx.createMediaStreamSource(remote).connect(tap);
      bench.heard = true;
    };
  }
  bench.iceDone = () => new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
  });
  bench.record = (ms) => new Promise((resolve) => {
    let offset = Infinity;
    const sample = () => { offset = Math.min(offset, performance.timeOrigin + performance.now() - ctx.currentTime * 1000); };
    const timer = setInterval(sample, 2);
    tap.port.onmessage = (e) => {
      clearInterval(timer);
      sample();
      resolve({ b64: toBase64(e.data.samples), contextMs: e.data.startMs, wallMs: e.data.startMs + offset });
    };
    tap.port.postMessage(Math.round(ms * 48));
  });
  return true;
}`;

/** Sender: creates the offer once ICE gathering is done; returns the SDP. */
export const BASELINE_OFFER = `async () => {
  const b = window.__bench;
  await b.pc.setLocalDescription(await b.pc.createOffer());
  await b.iceDone();
  return b.pc.localDescription.sdp;
}`;

/** Receiver: answers `sdp`; returns the answer SDP. */
export const BASELINE_ANSWER = `async (sdp) => {
  const b = window.__bench;
  await b.pc.setRemoteDescription({ type: 'offer', sdp });
  await b.pc.setLocalDescription(await b.pc.createAnswer());
  await b.iceDone();
  return b.pc.localDescription.sdp;
}`;

/** Sender: applies the answer. */
export const BASELINE_ACCEPT = `async (sdp) => { await window.__bench.pc.setRemoteDescription({ type: 'answer', sdp }); return true; }`;

/** Records the baseline tap. */
export const BASELINE_RECORD = `(ms) => window.__bench.record(ms)`;

/** Receiver-side WebRTC stats of the inbound audio (jitter buffer delay, concealment). */
export const BASELINE_STATS = `async () => {
  const out = {};
  (await window.__bench.pc.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') {
      out.jitterBufferDelayMs = r.jitterBufferEmittedCount ? (r.jitterBufferDelay / r.jitterBufferEmittedCount) * 1000 : null;
      out.concealedSamples = r.concealedSamples;
      out.packetsLost = r.packetsLost;
    }
  });
  return out;
}`;
