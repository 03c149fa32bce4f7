/**
 * A child process for the HTTPS test: sends one message through the typed
 * client to `argv[2]` (an https:// URL whose certificate the parent made
 * trusted through NODE_EXTRA_CA_CERTS), watches for it, and prints one JSON
 * line with what came back, or the error.
 */
import { createMailbox } from "../../../../src/mailbox/client/index.js";

const baseUrl = process.argv[2] as string;
const sender = createMailbox({ agentId: "tls-sender@t", baseUrl, readAttempts: 1 });
const reader = createMailbox({ agentId: "tls-reader@t", baseUrl, readAttempts: 1 });
try {
  const receipt = await sender.send("tls-reader@t", { over: "tls" });
  const unread = await reader.unread();
  let watched: unknown;
  for await (const d of reader.watch({ context: false })) {
    watched = d.message.payload;
    break;
  }
  process.stdout.write(
    `${JSON.stringify({ deliveredTo: receipt.deliveredTo, unread: unread.map((f) => f.message.payload), watched })}\n`,
  );
} catch (e) {
  process.stdout.write(`${JSON.stringify({ error: String(e) })}\n`);
} finally {
  sender.close();
  reader.close();
}
