import { readdirSync, readFileSync } from "node:fs";

/** Parent pid of every live process, read from /proc (Linux). */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // Field 4 (ppid) follows the parenthesised command, which may contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      map.set(Number(name), ppid);
    } catch {
      // Exited while we looked.
    }
  }
  return map;
}

/** `root` and all its descendants. */
export function processTree(root: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const [pid, ppid] of parents()) byParent.set(ppid, [...(byParent.get(ppid) ?? []), pid]);
  const tree: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    tree.push(pid);
    stack.push(...(byParent.get(pid) ?? []));
  }
  return tree;
}

/** Resident set size of one process in MB (VmRSS), 0 when it is gone. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Summed RSS (MB) of a process and its descendants (node runner + workerd, esbuild). */
export function treeRssMb(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + rssMb(pid), 0);
}

/** The command name of each process in the tree, for the report. */
export function treeNames(root: number): string[] {
  return processTree(root).map((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      return "?";
    }
  });
}

/** CPU seconds (user + system) one process has used so far, 0 when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 (1-based); f starts at field 3.
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** The pid of the first process named `name` in the tree (e.g. "workerd"). */
export function findInTree(root: number, name: string): number | undefined {
  return processTree(root).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === name;
    } catch {
      return false;
    }
  });
}
