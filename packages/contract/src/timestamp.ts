const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Parses an RFC 3339 date-time (`2025-06-01T12:00:00.123Z`, `2025-06-01T14:00:00+02:00`) to epoch
 * milliseconds, truncating sub-millisecond digits. Returns NaN for anything else, including dates that do
 * not exist (Feb 30) which `Date.parse` would silently roll over.
 */
export function parseRfc3339(text: string): number {
  const m = RFC3339.exec(text);
  if (m === null) return Number.NaN;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1) return Number.NaN;
  const dim = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day > dim || hour > 23 || minute > 59 || second > 60) return Number.NaN;
  const fraction = m[7];
  const ms = fraction === undefined ? 0 : Number(`${fraction}00`.slice(0, 3));
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return Number.NaN;
    offsetMinutes = (oh * 60 + om) * (m[8] === '-' ? -1 : 1);
  }
  let utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (year < 100) {
    // Date.UTC maps years 0–99 to 1900–1999; put the year back.
    const date = new Date(utc);
    date.setUTCFullYear(year);
    utc = date.getTime();
  }
  return utc - offsetMinutes * 60_000;
}
