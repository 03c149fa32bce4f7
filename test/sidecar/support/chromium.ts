/**
 * Starts the Debian Chromium the browser tests drive: headless, without the
 * sandbox, GPU or background traffic, and with a fake microphone when a test
 * records a voice message.
 */
import { type Browser, chromium } from "playwright-core";

/** How a test's Chromium starts. */
export interface ChromiumOptions {
  /** A fake microphone, allowed without a prompt. Default false. */
  readonly fakeMicrophone?: boolean;
}

/** Launches headless Chromium from /usr/bin/chromium. */
export function launchChromium(options: ChromiumOptions = {}): Promise<Browser> {
  const args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"];
  if (options.fakeMicrophone) {
    args.push("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream");
  }
  return chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args });
}
