/** Appends an API path to a configured base URL, keeping any path the base has (`http://host/proxy` + `v1/x`). */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
