import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ out: 'build' }),
    // The dashboard imports the shared parts of Oversight directly; one set of types for all.
    alias: {
      $contracts: 'contracts',
      $clickhouse: 'clickhouse',
      $config: 'config',
      $evaluators: 'evaluators',
      $pipelines: 'pipelines',
    },
    csrf: { trustedOrigins: [] },
    // Content-Security-Policy on every page. 'auto': SvelteKit puts a fresh nonce on its own inline
    // bootstrap script for each server-rendered page (hashes for prerendered ones, of which there are
    // none), so script-src needs nothing beyond 'self'. Model output is shown as text, never HTML;
    // this is the second line of defence should that ever slip.
    csp: {
      mode: 'auto',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        // Stylesheets only from this origin and no <style> elements. Style *attributes* are allowed:
        // SvelteKit's own route announcer hides itself with one (sveltejs/kit#11993) and the heatmap
        // colours each cell with one; an attribute can neither run script nor, under img-src/default-src
        // 'self', load anything from elsewhere. Checked in test/browser/csp.test.ts.
        'style-src': ['self'],
        'style-src-attr': ['unsafe-inline'],
        'img-src': ['self', 'data:'],
        'font-src': ['self'],
        'connect-src': ['self'],
        'object-src': ['none'],
        'frame-ancestors': ['none'],
        'base-uri': ['self'],
        'form-action': ['self'],
      },
    },
  },
};

export default config;
