// A few typed helpers for building DOM without a framework.
//
// **Invariant:** text from the server (titles, names, messages) only ever
// reaches the page through `textContent` or attribute values set here;
// nothing in the client assigns `innerHTML`.

export type Child = Node | string | null | undefined | false;

type EventHandlers = {
  [Name in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[Name]) => void;
};

export interface ElementOptions {
  className?: string;
  /** Plain attributes; `false`, `null` and `undefined` leave one unset. */
  attrs?: Record<string, string | number | true | false | null | undefined>;
  on?: EventHandlers;
  /** Listeners are removed when this signal aborts (the screen closes). */
  signal?: AbortSignal;
}

/** Creates an element with attributes, listeners and children. */
export function h<Tag extends keyof HTMLElementTagNameMap>(
  tag: Tag,
  options: ElementOptions = {},
  ...children: Child[]
): HTMLElementTagNameMap[Tag] {
  const element = document.createElement(tag);
  if (options.className) element.className = options.className;
  for (const [name, value] of Object.entries(options.attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [name, handler] of Object.entries(options.on ?? {})) {
    if (handler)
      element.addEventListener(
        name,
        handler as EventListener,
        options.signal ? { signal: options.signal } : undefined,
      );
  }
  append(element, ...children);
  return element;
}

/** Appends children, turning strings into text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces all children of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}
