// Registers without-sdk.mjs (node --import this-file): the child runs as if the MCP SDK were not installed.
import { register } from "node:module";

register("./without-sdk.mjs", import.meta.url);
