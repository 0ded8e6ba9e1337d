// A box that scrolls sideways (a wide table on a phone or at 400 % zoom) must be reachable by keyboard,
// or its hidden columns can only be reached with a mouse or a swipe (WCAG 2.1.1). While — and only
// while — the box actually overflows it becomes a named, focusable region, so arrow keys scroll it and
// a screen reader announces what it holds; when it fits, it is no extra tab stop.
import type { Action } from 'svelte/action';

export const scrollRegion: Action<HTMLElement, string> = (node, label) => {
  let name = label;
  const sync = () => {
    const overflows = node.scrollWidth > node.clientWidth + 1 || node.scrollHeight > node.clientHeight + 1;
    if (overflows) {
      node.tabIndex = 0;
      node.setAttribute('role', 'region');
      node.setAttribute('aria-label', name);
    } else {
      node.removeAttribute('tabindex');
      node.removeAttribute('role');
      node.removeAttribute('aria-label');
    }
  };
  const observer = new ResizeObserver(sync);
  observer.observe(node);
  for (const child of node.children) observer.observe(child);
  sync();
  return {
    update(next: string) {
      name = next;
      sync();
    },
    destroy() {
      observer.disconnect();
    },
  };
};
