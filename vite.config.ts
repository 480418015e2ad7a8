import { defineConfig } from 'vite';

// The dashboard (web/) builds into dist/web, which `funnelscope serve` serves at `/`.
export default defineConfig({
  root: 'web',
  base: '/',
  build: { outDir: '../dist/web', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
