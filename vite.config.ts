import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit()],
  // chDB and the Kafka client are native / Node-only: keep them out of the bundle.
  ssr: { external: ['chdb', 'kafkajs', '@clickhouse/client', 'prom-client', 'nodemailer'] },
});
