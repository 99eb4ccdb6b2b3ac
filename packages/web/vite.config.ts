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
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
