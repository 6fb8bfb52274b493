import { api, call, describeFailure } from "./api";
import { byId, fill, h, link, note, tbody } from "./dom";
import { clip, fmtBytes, fmtInt, fmtNum, fmtTime } from "./format";

/**
 * Datasets: the list, and a dataset's snapshots, the diff of a snapshot
 * against the one before with the examples added and removed, downloads of
 * every format and split (fetched with the key and saved through a blob URL:
 * a plain link could not send the Authorization header), the dataset card,
 * and the examples with remove and restore.
 */
const FORMATS = ["openai-chat", "openai-preference", "trl-preference", "sharegpt", "retrieval"] as const;
const SPLITS = ["train", "validation"] as const;

interface Snapshot {
  version: number;
  examples: number;
  bytes: number;
  created_at: string;
  counts: { train: number; validation: number } | null;
}

interface DiffEntry {
  content_hash: string;
  kind: string;
  split: string;
  source_event_ids: string[];
  first_user: string | null;
}

interface Example extends DiffEntry {
  value: number | null;
  removed_at: string | null;
}

const base = (name: string) => `/v1/datasets/${encodeURIComponent(name)}`;

function eventLinks(ids: string[]): Node[] {
  return ids.flatMap((id, i) => [i ? ", " : "", link(`/events/${encodeURIComponent(id)}`, id)].filter(Boolean) as Node[]);
}

export function renderDatasetsPage(): void {
  void (async () => {
    try {
      const { datasets } = await api<{ datasets: { name: string; examples: number; bytes: number; current_version: number | null }[] }>(
        "/v1/datasets",
        "project",
      );
      fill(
        byId("dataset-list"),
        datasets.map((d) =>
          h(
            "li",
            {},
            h("div", { class: "title" }, link(`/datasets/${encodeURIComponent(d.name)}`, d.name)),
            h(
              "div",
              { class: "meta" },
              `${fmtInt(d.examples)} examples · ${fmtBytes(d.bytes)} · ${d.current_version === null ? "no snapshot yet" : `current v${d.current_version}`}`,
            ),
          ),
        ),
      );
    } catch (err) {
      fill(byId("dataset-list"), h("li", { class: "error" }, describeFailure(err, "Datasets")));
    }
  })();
}

function diffList(title: string, entries: DiffEntry[], count: number): HTMLElement {
  return h(
    "div",
    { class: "diff-part" },
    h("h3", {}, `${title}: ${fmtInt(count)}`),
    entries.length
      ? h(
          "ul",
          { class: "items" },
          entries.map((e) =>
            h(
              "li",
              {},
              h("div", { class: "title" }, clip(e.first_user ?? "(no user text)", 200)),
              h("div", { class: "meta" }, `${e.kind} · ${e.split} · from `, ...eventLinks(e.source_event_ids)),
            ),
          ),
        )
      : note("none"),
  );
}

export function renderDatasetPage(name: string): void {
  const select = byId<HTMLSelectElement>("version");
  const downloads = byId("downloads");
  const dlStatus = byId("download-status");
  const examples = tbody("examples");
  const more = byId<HTMLButtonElement>("more");
  const exStatus = byId("examples-status");
  let cursor: string | null = null;

  async function download(version: number, format: string, split: string): Promise<void> {
    dlStatus.textContent = `downloading ${format} ${split}…`;
    try {
      const res = await call(`${base(name)}/snapshots/${version}.jsonl?format=${format}&split=${split}`, "project");
      const url = URL.createObjectURL(await res.blob());
      const a = h("a", { href: url, download: `${name}-v${version}-${format}-${split}.jsonl`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      dlStatus.textContent = `saved ${name}-v${version}-${format}-${split}.jsonl (${res.headers.get("X-Gleaner-Examples") ?? "?"} lines)`;
    } catch (err) {
      dlStatus.textContent = describeFailure(err, "The download");
    }
  }

  async function showVersion(version: number, previous: boolean): Promise<void> {
    fill(
      downloads,
      FORMATS.flatMap((f) =>
        SPLITS.map((s) => h("li", {}, h("button", { type: "button", class: "secondary", onclick: () => void download(version, f, s) }, `Download ${f} ${s}`))),
      ),
    );
    try {
      const card = await call(`${base(name)}/snapshots/${version}/card`, "project");
      byId("card").textContent = await card.text();
    } catch (err) {
      byId("card").textContent = describeFailure(err, "The card");
    }
    if (!previous) {
      fill(byId("diff"), note(`v${version} is the first snapshot: everything in it was added.`));
    }
    try {
      const diff = await api<{ added: DiffEntry[]; removed: DiffEntry[]; added_count: number; removed_count: number }>(
        `${base(name)}/snapshots/${version}/diff`,
        "project",
      );
      fill(
        byId("diff"),
        h("p", { class: "sub" }, `v${version} against the snapshot before it`),
        diffList("Added", diff.added, diff.added_count),
        diffList("Removed", diff.removed, diff.removed_count),
      );
    } catch (err) {
      if (previous) fill(byId("diff"), note(describeFailure(err, "The diff"), "error"));
    }
  }

  async function loadExamples(reset: boolean): Promise<void> {
    if (reset) cursor = null;
    more.hidden = true;
    try {
      const page = await api<{ examples: Example[]; next_cursor: string | null }>(
        `${base(name)}/examples?include_removed=true&limit=50${cursor ? `&cursor=${cursor}` : ""}`,
        "project",
      );
      if (reset) fill(examples);
      examples.append(...page.examples.map(exampleRow));
      cursor = page.next_cursor;
      more.hidden = cursor === null;
      exStatus.textContent = examples.rows.length ? `${examples.rows.length} examples, curated-out ones included` : "No example yet.";
    } catch (err) {
      exStatus.textContent = describeFailure(err, "The examples (GET /v1/datasets/{name}/examples)");
    }
  }

  function exampleRow(e: Example): HTMLTableRowElement {
    const removed = e.removed_at !== null;
    const action = async () => {
      try {
        const path = `${base(name)}/examples/${encodeURIComponent(e.content_hash)}`;
        if (removed) await api(`${path}/restore`, "project", "POST");
        else await api(path, "project", "DELETE");
        await loadExamples(true);
      } catch (err) {
        exStatus.textContent = describeFailure(err, removed ? "Restore" : "Remove");
      }
    };
    return h(
      "tr",
      { class: removed ? "removed" : "" },
      h("td", { class: "text" }, clip(e.first_user ?? "(no user text)", 160)),
      h("td", {}, e.kind),
      h("td", {}, e.split),
      h("td", { class: "num" }, fmtNum(e.value)),
      h("td", {}, ...eventLinks(e.source_event_ids)),
      h(
        "td",
        {},
        removed ? "removed " : "kept ",
        h(
          "button",
          {
            type: "button",
            class: "link",
            onclick: () => void action(),
            "aria-label": `${removed ? "Restore" : "Remove"} example ${e.content_hash.slice(0, 12)}`,
          },
          removed ? "Restore" : "Remove",
        ),
      ),
    );
  }

  void (async () => {
    try {
      const { snapshots, current_version } = await api<{ snapshots: Snapshot[]; current_version: number | null }>(`${base(name)}/snapshots`, "project");
      const body = tbody("snapshots");
      const newest = [...snapshots].reverse();
      fill(
        body,
        newest.length
          ? newest.map((s) =>
              h(
                "tr",
                {},
                h("td", {}, `v${s.version}`, s.version === current_version ? h("span", { class: "tag high" }, " current") : null),
                h("td", {}, fmtTime(s.created_at)),
                h("td", { class: "num" }, fmtInt(s.examples)),
                h("td", { class: "num" }, fmtInt(s.counts?.train)),
                h("td", { class: "num" }, fmtInt(s.counts?.validation)),
                h("td", { class: "num" }, fmtBytes(s.bytes)),
              ),
            )
          : h("tr", {}, h("td", { colspan: 6, class: "none" }, "No snapshot yet: POST /v1/datasets/{name}/snapshots makes one.")),
      );
      fill(
        select,
        newest.map((s) => h("option", { value: s.version }, `v${s.version}`)),
      );
      const shown = () => {
        const v = Number(select.value);
        void showVersion(
          v,
          snapshots.some((s) => s.version < v),
        );
      };
      select.addEventListener("change", shown);
      if (newest.length) shown();
      else fill(byId("diff"), note("No snapshot yet."));
    } catch (err) {
      fill(byId("diff"), note(describeFailure(err, `Dataset ${name}`), "error"));
    }
  })();
  more.addEventListener("click", () => void loadExamples(false));
  void loadExamples(true);
}
