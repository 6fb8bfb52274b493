/**
 * DOM building. Text always goes in as text nodes, never as HTML, so nothing
 * the API returns can inject markup.
 */
export type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined;
export type Attrs = Record<string, AttrValue | ((e: Event) => void)>;

const SVG_NS = "http://www.w3.org/2000/svg";

function setAll(el: Element, attrs: Attrs, children: Child[]): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else if (v === true) el.setAttribute(k, "");
    else if (v !== false && v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === "object" ? c : String(c));
}

/** An HTML element with attributes (`onclick` and the like become listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAll(el, attrs, children.flat());
  return el;
}

/** An SVG element, the same way. */
export function s(tag: string, attrs: Attrs = {}, ...children: (Child | Child[])[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  setAll(el, attrs, children.flat());
  return el;
}

/** The element with this id; a page without it is a bug in the page shell. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

/** The first body of the table with this id. */
export function tbody(id: string): HTMLTableSectionElement {
  const body = byId<HTMLTableElement>(id).tBodies[0];
  if (!body) throw new Error(`#${id} has no tbody`);
  return body;
}

export function fill(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren(
    ...children
      .flat()
      .filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false)
      .map((c) => (typeof c === "number" ? String(c) : c)),
  );
}

export function setText(id: string, text: string): void {
  byId(id).textContent = text;
}

/** A muted line for an empty list or a state ("none yet", "not available"). */
export function note(text: string, cls = "none"): HTMLElement {
  return h("p", { class: cls }, text);
}

/** A link inside the explorer. */
export function link(href: string, text: string, attrs: Attrs = {}): HTMLAnchorElement {
  return h("a", { href, ...attrs }, text);
}

/** j/k and arrow keys move focus between the links of a list's rows; Enter follows the focused one. */
export function keyboardList(container: HTMLElement, selector = "tbody tr a.row-link"): void {
  container.addEventListener("keydown", (e) => {
    if (!(e.target instanceof HTMLElement) || e.altKey || e.ctrlKey || e.metaKey) return;
    const down = e.key === "j" || e.key === "ArrowDown";
    const up = e.key === "k" || e.key === "ArrowUp";
    if (!down && !up) return;
    const links = [...container.querySelectorAll<HTMLElement>(selector)];
    if (links.length === 0) return;
    const at = links.indexOf(e.target);
    const next = links[Math.max(0, Math.min(links.length - 1, at < 0 ? 0 : at + (down ? 1 : -1)))];
    next?.focus();
    e.preventDefault();
  });
}
