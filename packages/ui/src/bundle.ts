import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PACKAGE_DIR = fileURLToPath(new URL('../', import.meta.url));

/**
 * Bundles the front end (web/app.ts with uPlot and its CSS) into `outDir` (default dist/web): one script,
 * one stylesheet and the page, minified, with nothing fetched from a CDN at run time. Part of the
 * package's build (`npm run build`); takes well under a second.
 */
export async function bundleWeb(outDir = `${PACKAGE_DIR}dist/web/`): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [
      { in: `${PACKAGE_DIR}web/app.ts`, out: 'app' },
      { in: `${PACKAGE_DIR}web/app.css`, out: 'app' },
    ],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2022',
    outdir: outDir,
    logLevel: 'warning',
    legalComments: 'none',
  });
  await copyFile(`${PACKAGE_DIR}web/index.html`, `${outDir}index.html`);
}
