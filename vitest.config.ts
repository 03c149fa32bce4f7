import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests import the public entry points by their package names, as users do.
    alias: [
      { find: /^agentwire\/schema$/, replacement: src("schema/index.ts") },
      { find: /^agentwire\/testing$/, replacement: src("testing/index.ts") },
      { find: /^agentwire\/sidecar$/, replacement: src("sidecar/index.ts") },
      { find: /^agentwire\/mailbox$/, replacement: src("mailbox/client/index.ts") },
      { find: /^agentwire\/mailbox-server$/, replacement: src("mailbox/server/index.ts") },
      { find: /^agentwire$/, replacement: src("index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: "forks",
  },
});
