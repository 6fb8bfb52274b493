/**
 * Resolves with the URL `npm start` prints ("Gleaner listening on <url>") once
 * it appears in a process's output, or rejects with that output if the process
 * exits first. Shared by the Node tests and the benchmarks.
 */
export function waitForListening(output: () => string, exited: Promise<number | null>, pollMs = 25): Promise<string> {
  return new Promise<string>((ok, fail) => {
    const timer = setInterval(() => {
      const m = /Gleaner listening on (http:\/\/\S+)/.exec(output());
      if (m) {
        clearInterval(timer);
        ok(m[1]!);
      }
    }, pollMs);
    void exited.then((code) => {
      clearInterval(timer);
      fail(new Error(`gleaner exited (${code}) before listening:\n${output().slice(-4000)}`));
    });
  });
}
