/**
 * Resolves with the URL a server prints ("Gleaner listening on <url>" for `npm start`; `banner` for another server)
 * once it appears in a process's output, or rejects with that output if the process exits first. Shared by the
 * Node tests and the benchmarks (Gleaner and the benchmarks' baselines).
 */
export function waitForListening(
  output: () => string,
  exited: Promise<unknown>,
  pollMs = 25,
  banner: { pattern: RegExp; name: string } = { pattern: /Gleaner listening on (http:\/\/\S+)/, name: "gleaner" },
): Promise<string> {
  return new Promise<string>((ok, fail) => {
    const timer = setInterval(() => {
      const m = banner.pattern.exec(output());
      if (m) {
        clearInterval(timer);
        ok(m[1]!);
      }
    }, pollMs);
    void exited.then((code) => {
      clearInterval(timer);
      fail(new Error(`${banner.name} exited (${code}) before listening:\n${output().slice(-4000)}`));
    });
  });
}
