// @ts-check
/**
 * The chat page's voice recorder: a button that records from the microphone
 * with MediaRecorder (WebM/Opus where the browser has it) and hands the
 * recording to the page, which posts it to the sidecar's audio ingest.
 * Hidden where the browser cannot record.
 */

export function createVoiceRecorder(button, onRecorded) {
  if (!window.MediaRecorder || !navigator.mediaDevices?.getUserMedia) {
    button.hidden = true;
    return;
  }
  button.hidden = false;
  let recorder = null;
  let chunks = [];
  let startedAt = 0;
  function setRecording(on) {
    button.dataset.recording = String(on);
    button.setAttribute("aria-pressed", String(on));
    button.title = on ? "Stop recording and send" : "Record a voice message";
  }
  button.addEventListener("click", async () => {
    if (recorder) {
      recorder.stop();
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      button.dataset.error = "true";
      button.title = `The microphone is not available: ${/** @type {Error} */ (e).message}`;
      return;
    }
    const type = MediaRecorder.isTypeSupported("audio/webm;codecs=opus")
      ? "audio/webm;codecs=opus"
      : "";
    recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    chunks = [];
    startedAt = performance.now();
    recorder.ondataavailable = (ev) => {
      if (ev.data.size === 0) return;
      chunks.push(ev.data);
      button.dataset.bytes = String(chunks.reduce((n, c) => n + c.size, 0));
    };
    recorder.onstop = () => {
      stream.getTracks().forEach((t) => {
        t.stop();
      });
      const blob = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
      const seconds = (performance.now() - startedAt) / 1000;
      recorder = null;
      setRecording(false);
      if (blob.size > 0) onRecorded(blob, seconds);
    };
    recorder.start(250);
    setRecording(true);
  });
}
