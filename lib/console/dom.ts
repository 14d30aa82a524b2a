/** Attributes of an element: strings, or `true` for a boolean attribute (`false` leaves it out). */
type Attributes = Readonly<Record<string, string | boolean | undefined>>;

/** A child: an element, or text (never HTML: what the queue holds is shown as text). */
type Child = Node | string | undefined | false;

/** Creates an element with its attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, '');
    else if (typeof value === 'string') element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== undefined && child !== false) element.append(child);
  }
  return element;
}

/** Replaces the children of `parent`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(
    ...children.filter((child): child is Node | string => child !== undefined && child !== false),
  );
}

/** The element of `id`, of the type its tag says; throws when the page lacks it. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`console: the page has no #${id}`);
  return element;
}
