/**
 * Pulumi's SDK formats a stack trace for every promise it creates while registering a resource — four per
 * property, and a docker.Container declares about 70 — only to print them when PULUMI_DEBUG_PROMISE_LEAKS
 * is set. For the home stack that is some 8,000 formatted traces, about a third of the program's start-up.
 * Registration therefore runs with V8's stack-trace limit at 0, unless that variable asks for the traces.
 * The SDK raises the limit itself where it records a resource's source position, so previews still point
 * at the code that declared a resource; the limit is restored as soon as `register` returns or throws.
 */
export function withoutPromiseStackTraces<T>(register: () => T, env: NodeJS.ProcessEnv = process.env): T {
  if (env.PULUMI_DEBUG_PROMISE_LEAKS) return register();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return register();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
