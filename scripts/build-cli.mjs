// Bundle the CLI into dist/cli.mjs and its worker-thread modules into dist/<worker>.mjs (esbuild;
// npm packages stay external), so a command or a worker starts in a fraction of a second instead of
// loading ~150 TypeScript modules through tsx's loader. bin/fresh-bundle.mjs lets a bundle run only
// while it is newer than every source file: editing a .ts file never runs stale code.
// Run by `npm ci` / `npm install` (prepare) and by `npm run build`.
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist');

// Modules find their files (presets, models, workers, the viewer's sources) relative to
// import.meta.url; in one bundle that would be the bundle's URL, so each module's is rewritten to
// its own source path, relative to the bundle (the checkout may move after the build).
const ownUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const rel = relative(outdir, args.path).split('\\').join('/');
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

await build({
  // Entry names match the worker modules' file names: cli/workers/entry.mjs looks them up so.
  entryPoints: {
    cli: join(root, 'cli', 'main.ts'),
    'validate-worker': join(root, 'cli', 'workers', 'validate-worker.ts'),
    'scenario-worker': join(root, 'cli', 'workers', 'scenario-worker.ts'),
  },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  plugins: [ownUrl],
  logLevel: 'warning',
  legalComments: 'none',
});
