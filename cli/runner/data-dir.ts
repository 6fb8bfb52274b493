import { chmodSync, mkdirSync, statSync } from "node:fs";

/**
 * Creates the data dir (mode 0700) or tightens an existing one to 0700: it
 * holds the admin token and every stored event. Files in it are 0600 because
 * `npm start` sets a umask of 0o077 before anything is written, which workerd
 * inherits for its D1 SQLite files. A shared folder such as the system temp folder (sticky bit)
 * is refused rather than chmodded under other users.
 *
 * @example
 * prepareDataDir(".gleaner");
 */
export function prepareDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { mode } = statSync(dir);
  if (mode & 0o1000)
    throw new Error(`GLEANER_DATA_DIR ${dir} is a shared folder (sticky bit, like the system temp folder): use a folder of its own, e.g. ${dir}/gleaner`);
  if ((mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}
