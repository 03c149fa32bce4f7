// A module resolve hook for a child process: the packages named in its data
// (and their subpaths) resolve as if they were not installed.
let hidden = [];

export function initialize(data) {
  hidden = data.packages;
}

export async function resolve(specifier, context, next) {
  if (hidden.some((p) => specifier === p || specifier.startsWith(`${p}/`))) {
    const error = new Error(
      `Cannot find package '${specifier}' imported from ${context.parentURL}`,
    );
    error.code = "ERR_MODULE_NOT_FOUND";
    throw error;
  }
  return next(specifier, context);
}
