// Registers without-packages.mjs (node --import this-file): the child runs as if
// the comma-separated packages of AGENTWIRE_WITHOUT_PACKAGES were not installed.
import { register } from "node:module";

const packages = (process.env.AGENTWIRE_WITHOUT_PACKAGES ?? "").split(",").filter(Boolean);
if (packages.length === 0) throw new Error("AGENTWIRE_WITHOUT_PACKAGES names no package");
register("./without-packages.mjs", import.meta.url, { data: { packages } });
