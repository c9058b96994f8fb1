import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

declare const process: { env: Record<string, string | undefined> };

// The dashboard calls the API at VITE_API_BASE (default "/api": same origin, as the local
// stack and CloudFront serve both). `npm run dev` proxies /api to a running local stack.
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { "/api": process.env.WANDR_API ?? "http://127.0.0.1:8080" },
  },
  build: {
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: "echarts", test: /node_modules[\\/](echarts|zrender)/ },
            { name: "leaflet", test: /node_modules[\\/](leaflet|react-leaflet|@react-leaflet)/ },
            { name: "mantine", test: /node_modules[\\/]@mantine/ },
          ],
        },
      },
    },
  },
});
