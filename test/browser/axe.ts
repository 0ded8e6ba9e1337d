// The accessibility check every browser test runs on every page it visits: axe-core (the npm package)
// with the WCAG 2.0 and 2.1 level A and AA rules, the rules behind JIS X 8341-3:2016 level AA.
//
// How axe gets into the page: the dashboard's Content-Security-Policy blocks injected <script> tags
// (page.addScriptTag), but page.evaluate runs through the DevTools protocol, which the page's CSP does
// not govern. So the scan needs no `bypassCSP` context, and the CSP tests keep testing the real policy.
//
// Kept free of vitest's inject() so that a script outside the test runner can import it too.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** The axe-core tags of the WCAG 2.0 / 2.1 A and AA success criteria. */
export const WCAG_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] as const;

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: string; html: string; summary: string }[];
}

/** Runs axe-core in the page as it is now and returns the WCAG A/AA violations (empty when clean). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    type AxeResult = {
      violations: {
        id: string;
        impact: string | null;
        help: string;
        helpUrl: string;
        nodes: { target: unknown[]; html: string; failureSummary?: string }[];
      }[];
    };
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<AxeResult> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String).join(' '), html: n.html.slice(0, 200), summary: (n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 300) })),
    }));
  }, [...WCAG_AA_TAGS]);
}

/** A readable report of violations, at most a few elements per rule. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes.slice(0, 5).map((n) => `    - ${n.target}\n      ${n.html}\n      ${n.summary}`);
      const more = v.nodes.length > 5 ? [`    … and ${v.nodes.length - 5} more`] : [];
      return [`  ${v.id} (${v.impact}, ${v.nodes.length} element(s)): ${v.help}\n    ${v.helpUrl}`, ...nodes, ...more].join('\n');
    })
    .join('\n');
}

/**
 * Fails (throws) when the page as it is now breaks any WCAG 2.0/2.1 A or AA rule axe-core checks.
 * Call it after every page visit and after anything that changes the page (a form answer, a toggle).
 */
export async function expectAccessible(page: Page, what = page.url()): Promise<void> {
  const violations = await axeViolations(page);
  if (violations.length > 0) {
    const size = page.viewportSize();
    throw new Error(`axe-core: ${violations.length} WCAG A/AA rule(s) violated on ${what}${size ? ` at ${size.width}×${size.height}` : ''}:\n${describeViolations(violations)}`);
  }
}
