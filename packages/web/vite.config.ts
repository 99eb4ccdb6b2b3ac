// The web app is built into packages/web/dist, which the server serves at /. In development
// (`npm run dev -w packages/web`), API calls go to a server on port 8080.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 300,
    // dist/.vite/manifest.json: which chunks each page's module imports (the web-bytes test reads it).
    manifest: true,
    rolldownOptions: {
      output: {
        codeSplitting: {
          // The two big libraries in chunks of their own, named so a test can tell which pages load them:
          // only pages with a map load leaflet, only pages with a chart load uplot.
          groups: [
            { name: 'leaflet', test: /node_modules[\\/]leaflet[\\/]/ },
            { name: 'uplot', test: /node_modules[\\/]uplot[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
