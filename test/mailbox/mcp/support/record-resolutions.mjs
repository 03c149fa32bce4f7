// Registers a module resolution hook that appends every resolved URL to the
// file named by AGENTWIRE_RECORD_RESOLUTIONS (used with `node --import`).
import { register } from "node:module";

register("./resolution-hook.mjs", import.meta.url, {
  data: { file: process.env.AGENTWIRE_RECORD_RESOLUTIONS },
});
