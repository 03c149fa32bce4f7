/**
 * A Connect interceptor for the typed service: an error that is not an
 * AgentwireError or ConnectError (a bug, a driver failure) is logged and
 * answered as INTERNAL "internal error", so no internals reach the caller, the
 * same rule the HTTP routes follow.
 *
 * @module
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

/** The error a caller may see: a ConnectError as it is, anything else logged and replaced by INTERNAL "internal error". */
export function hiddenError(error: unknown, log: (error: unknown) => void): ConnectError {
  if (error instanceof ConnectError) return error;
  log(error);
  return new ConnectError("internal error", Code.Internal);
}

async function* guarded<T>(messages: AsyncIterable<T>, log: (error: unknown) => void) {
  try {
    yield* messages;
  } catch (error) {
    throw hiddenError(error, log);
  }
}

/** Creates the interceptor; `log` receives each hidden error. */
export function hideInternals(log: (error: unknown) => void): Interceptor {
  return (next) => async (req) => {
    try {
      const res = await next(req);
      if (!res.stream) return res;
      return { ...res, message: guarded(res.message, log) };
    } catch (error) {
      throw hiddenError(error, log);
    }
  };
}

/** The one format of an unexpected error in the server's log. */
export function unexpectedLogger(onLog: (line: string) => void): (error: unknown) => void {
  return (error) =>
    onLog(
      `mailbox: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
}
