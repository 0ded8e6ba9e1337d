// Keyboard-only driving for browser tests: move focus with Tab the way a keyboard user does (so the
// test fails if an element cannot be reached, or only after an absurd number of stops), check that
// every stop shows a focus indicator, and prove afterwards that no pointer event was ever dispatched.
import type { BrowserContext, Page } from 'playwright-core';

/** What has focus now: a short description, and whether the element matches `selector`. */
async function focused(page: Page, selector: string): Promise<{ matches: boolean; what: string }> {
  return page.evaluate((sel) => {
    const el = document.activeElement;
    if (!el || el === document.body) return { matches: false, what: 'body' };
    const name = (el.getAttribute('aria-label') ?? (el as HTMLElement).innerText ?? '').trim().slice(0, 40);
    return { matches: el.matches(sel), what: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${name}"` };
  }, selector);
}

/**
 * Presses Tab (Shift+Tab with `backwards`) until the focused element matches `selector`; returns how
 * many presses it took. Throws, listing the stops passed, when `max` presses do not get there.
 */
export async function tabTo(page: Page, selector: string, { max = 60, backwards = false } = {}): Promise<number> {
  const seen: string[] = [];
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
    const f = await focused(page, selector);
    if (f.matches) return i;
    seen.push(f.what);
  }
  throw new Error(`Tab did not reach ${selector} in ${max} presses; focus went through:\n  ${seen.join('\n  ')}`);
}

/** Chooses an option of the focused <select> with the arrow keys (no pointer, no opening the list). */
export async function chooseWithArrows(page: Page, value: string, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    if ((await page.evaluate(() => (document.activeElement as HTMLSelectElement | null)?.value)) === value) return;
    await page.keyboard.press('ArrowDown');
  }
  throw new Error(`the focused select never reached the value "${value}" with ArrowDown`);
}

export interface FocusStop {
  what: string;
  /** Outline or box-shadow drawn around it. */
  indicated: boolean;
  /** Inside the viewport after the browser scrolled it into view. */
  inView: boolean;
}

/**
 * Tabs through the page from the top, `max` stops at most (stopping early when focus comes back
 * round), and reports each stop: whether a focus indicator is drawn and whether it is in view.
 */
export async function focusStops(page: Page, max = 80): Promise<FocusStop[]> {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  const stops: FocusStop[] = [];
  let first: string | null = null;
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const cs = getComputedStyle(el);
      const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
      const shadow = cs.boxShadow !== 'none' && cs.boxShadow !== '';
      const r = el.getBoundingClientRect();
      const inView = r.bottom > 0 && r.right > 0 && r.top < window.innerHeight && r.left < window.innerWidth;
      const path: string[] = [];
      for (let e: Element | null = el; e && e !== document.body; e = e.parentElement) path.unshift(`${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}:${[...(e.parentElement?.children ?? [])].indexOf(e)}`);
      const name = (el.getAttribute('aria-label') ?? el.innerText ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
      return { key: path.join('>'), what: `${el.tagName.toLowerCase()} "${name}"`, indicated: outline || shadow, inView };
    });
    if (!stop) break;
    if (first === stop.key) break;
    first ??= stop.key;
    stops.push({ what: stop.what, indicated: stop.indicated, inView: stop.inView });
  }
  return stops;
}

/**
 * Records every trusted pointer, mouse or touch event in the context's pages, across navigations.
 * Call before the keyboard-only steps; the returned list must stay empty.
 */
export async function recordPointerEvents(context: BrowserContext): Promise<string[]> {
  const events: string[] = [];
  await context.exposeBinding('__pointerEventSeen', (_src, text: string) => void events.push(text));
  await context.addInitScript(() => {
    for (const type of ['pointerdown', 'pointerup', 'mousedown', 'mouseup', 'touchstart']) {
      window.addEventListener(
        type,
        (e) => {
          if (e.isTrusted) (window as unknown as { __pointerEventSeen(t: string): void }).__pointerEventSeen(`${type} on ${(e.target as Element)?.tagName} at ${location.pathname}`);
        },
        true,
      );
    }
  });
  return events;
}
