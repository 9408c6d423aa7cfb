/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// The dashboard is built into static files that `agent-trace serve` delivers on its dashboard
// port (127.0.0.1:3100), next to the API on the same origin. CMake builds it into
// <build>/web (AGENT_TRACE_WEB_OUT); a bare `npm run build` writes web/dist.
const apiTarget = process.env.AGENT_TRACE_API ?? "http://127.0.0.1:8318";

export default defineConfig({
  base: "/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: process.env.AGENT_TRACE_WEB_OUT ?? "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    host: "127.0.0.1",
    port: 5173,
    // `npm run dev`: the API of a running `agent-trace serve` (AGENT_TRACE_API to point
    // elsewhere, e.g. a serve started with --api-listen 127.0.0.1:0).
    proxy: { "/api": apiTarget, "/healthz": apiTarget },
  },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    environment: "node",
  },
});
