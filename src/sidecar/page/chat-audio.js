// @ts-check
/**
 * The chat page's voice recorder: a button that records from the microphone
 * with MediaRecorder (WebM/Opus where the browser has it) and streams the
 * recording over the sidecar's live-audio WebSocket while the user speaks:
 * an `audio.config` message, each recorded slice as a binary message as it
 * comes, then `audio.end` when the user stops. Hidden where the browser
 * cannot record.
 */

/** Milliseconds of audio in each slice MediaRecorder hands over (and each message sent). */
const SLICE_MS = 250;

/**
 * What the page does around a recording.
 * @typedef {{
 *   begin: () => Promise<string | null>,
 *   sent: (seconds: number) => void,
 *   failed: (error: { code: string, message: string }) => void,
 * }} VoiceHooks
 * begin: readies the conversation and returns its audio socket URL (null: do not record);
 * sent: `audio.end` went out, the reply is awaited;
 * failed: the sidecar refused or ended the recording (its `error` message, or a lost socket).
 */

/**
 * Opens the socket; resolves once it is open, rejects when it closes first.
 * @param {string} url
 * @returns {Promise<WebSocket>}
 */
function openSocket(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.onopen = () => resolve(ws);
    ws.onclose = (ev) => reject(new Error(`the audio socket closed (${ev.code})`));
  });
}

/**
 * @param {HTMLElement} button
 * @param {VoiceHooks} hooks
 */
export function createVoiceRecorder(button, hooks) {
  if (!window.MediaRecorder || !navigator.mediaDevices?.getUserMedia || !window.WebSocket) {
    button.hidden = true;
    return;
  }
  button.hidden = false;
  /** @type {MediaRecorder | null} */
  let recorder = null;
  let starting = false;
  function setRecording(on) {
    button.dataset.recording = String(on);
    button.setAttribute("aria-pressed", String(on));
    button.title = on ? "Stop recording and send" : "Record a voice message";
  }
  button.addEventListener("click", async () => {
    if (recorder) {
      if (recorder.state !== "inactive") recorder.stop();
      return;
    }
    if (starting) return;
    starting = true;
    try {
      await record();
    } finally {
      starting = false;
    }
  });

  async function record() {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      button.dataset.error = "true";
      button.title = `The microphone is not available: ${/** @type {Error} */ (e).message}`;
      return;
    }
    const release = () => {
      stream.getTracks().forEach((t) => {
        t.stop();
      });
    };
    const url = await hooks.begin().catch(() => null);
    if (!url) {
      release();
      return;
    }
    let ws;
    try {
      ws = await openSocket(url);
    } catch (e) {
      release();
      hooks.failed({ code: "unreachable", message: /** @type {Error} */ (e).message });
      return;
    }
    const type = MediaRecorder.isTypeSupported("audio/webm;codecs=opus")
      ? "audio/webm;codecs=opus"
      : "";
    const rec = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    recorder = rec;
    const settings = stream.getAudioTracks()[0]?.getSettings() ?? {};
    let bytes = 0;
    let failed = false;
    const startedAt = performance.now();
    const fail = (error) => {
      if (failed) return;
      failed = true;
      if (rec.state !== "inactive") rec.stop();
      hooks.failed(error);
    };
    ws.onmessage = (ev) => {
      let message = {};
      try {
        message = JSON.parse(String(ev.data));
      } catch (_e) {
        /* not ours */
      }
      if (message.type === "error") fail(message);
    };
    ws.onclose = (ev) => {
      if (rec.state !== "inactive")
        fail({ code: "closed", message: `The audio stream ended (${ev.code}).` });
    };
    ws.send(
      JSON.stringify({
        type: "audio.config",
        mime_type: rec.mimeType || type || "audio/webm",
        sample_rate: settings.sampleRate || 0,
        channels: settings.channelCount || 0,
      }),
    );
    // Slices go out strictly in order: each waits for the one before it.
    let queue = Promise.resolve();
    const then = (step) => {
      queue = queue.then(step).catch(() => {});
    };
    rec.ondataavailable = (ev) => {
      if (ev.data.size === 0) return;
      then(async () => {
        const data = await ev.data.arrayBuffer();
        if (failed || ws.readyState !== WebSocket.OPEN) return;
        ws.send(data);
        bytes += data.byteLength;
        button.dataset.bytes = String(bytes);
      });
    };
    rec.onstop = () => {
      release();
      recorder = null;
      setRecording(false);
      then(() => {
        // Failed, or nothing was said: closing without audio.end drops the turn.
        if (failed || bytes === 0) {
          ws.close();
          return;
        }
        ws.send(JSON.stringify({ type: "audio.end" }));
        hooks.sent((performance.now() - startedAt) / 1000);
      });
    };
    rec.start(SLICE_MS);
    setRecording(true);
  }
}
