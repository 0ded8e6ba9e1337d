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
  },
};

export default config;
