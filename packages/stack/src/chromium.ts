import { aptInstall, findExecutable } from './system.js';

/** Where Debian's `chromium` package puts the browser, and the names it may have on PATH. */
const CHROMIUM_NAMES = ['chromium', 'chromium-browser'] as const;

export interface ChromiumReport {
  readonly executablePath: string;
  /** True when this call installed it with apt-get. */
  readonly installed: boolean;
}

/**
 * The headless browser of the UI tests: Debian's `chromium`, installed with apt-get when missing (as
 * `stack up` installs clickhouse-server; as root only, otherwise the error says what to run).
 * `CHROMIUM_PATH` names another binary. Never downloads a browser of its own.
 */
export async function ensureChromium(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ChromiumReport> {
  const given = env.CHROMIUM_PATH;
  if (given !== undefined && given !== '') return { executablePath: given, installed: false };
  const found = () => CHROMIUM_NAMES.map((name) => findExecutable(name)).find((path) => path !== null);
  const existing = found();
  if (existing) return { executablePath: existing, installed: false };
  await aptInstall(['chromium'], 'Chromium (for the UI browser tests) was not found');
  const installed = found();
  if (!installed) throw new Error('apt-get installed chromium but no chromium binary was found');
  return { executablePath: installed, installed: true };
}
