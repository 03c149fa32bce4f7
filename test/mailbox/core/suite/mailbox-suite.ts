/**
 * The shared mailbox suite: every semantic of the core over a store backend.
 * Each backend's test file calls it; a PostgreSQL backend joins the same way.
 */
import { describe } from "vitest";
import type { StoreBackend } from "../../store/backends.js";
import { contextSuite } from "./context.js";
import { limitsSuite } from "./limits.js";
import { privacySuite } from "./privacy.js";
import { readingSuite } from "./reading.js";
import { threadsSuite } from "./threads.js";

/** Declares the whole mailbox suite for one backend. */
export function mailboxSuite(backend: StoreBackend): void {
  describe(`mailbox core on ${backend.name}`, () => {
    describe("threads", () => threadsSuite(backend));
    describe("bcc privacy", () => privacySuite(backend));
    describe("reading", () => readingSuite(backend));
    describe("context", () => contextSuite(backend));
    describe("limits, tokens, durability", () => limitsSuite(backend));
  });
}
