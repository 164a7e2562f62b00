import { bundleWeb } from './bundle.js';

// `npm run build` in packages/ui: tsc, then this.
await bundleWeb();
