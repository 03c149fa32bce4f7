// A module resolve hook for a child process: the MCP SDK resolves as if it were not installed.
export async function resolve(specifier, context, next) {
  if (
    specifier === "@modelcontextprotocol/sdk" ||
    specifier.startsWith("@modelcontextprotocol/sdk/")
  ) {
    const error = new Error(
      `Cannot find package '${specifier}' imported from ${context.parentURL}`,
    );
    error.code = "ERR_MODULE_NOT_FOUND";
    throw error;
  }
  return next(specifier, context);
}
