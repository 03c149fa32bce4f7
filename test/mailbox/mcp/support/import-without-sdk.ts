/**
 * A child process run without the MCP SDK resolvable: imports
 * `agentwire/mailbox-mcp` (its source entry) twice and prints what each import
 * threw as JSON lines.
 */
for (let i = 0; i < 2; i++) {
  try {
    await import("../../../../src/mailbox/mcp/index.js");
    process.stdout.write(`${JSON.stringify({ imported: true })}\n`);
  } catch (e) {
    const error = e as { reason?: string; rawMessage?: string; name?: string };
    process.stdout.write(
      `${JSON.stringify({ name: error.name, reason: error.reason, message: error.rawMessage })}\n`,
    );
  }
}
