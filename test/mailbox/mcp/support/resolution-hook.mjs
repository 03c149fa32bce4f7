// A resolve hook (runs on the loader thread): records each resolved URL.
import { appendFileSync } from "node:fs";

let file;

export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (file !== undefined) appendFileSync(file, `${result.url}\n`);
  return result;
}
