import { NAB_PROFILE_NAMES, nabSweep } from '@aiops/detectors';
import { loadCorpus } from './corpus.js';
import type { CorpusFile } from './corpus.js';

type Det = (f: CorpusFile, p: Record<string, number>) => Float64Array;

const dets: Record<string, Det> = {
  // robust EWMA z-score
  z(f, p) {
    const n = f.values.length;
    const out = new Float64Array(n);
    const a = p.a ?? 0.05;
    let level = f.values[0]!;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      const x = f.values[i]!;
      const e = x - level;
      const s = scale + 1e-9 + 1e-6 * Math.abs(level);
      const z = Math.abs(e) / s;
      out[i] = i < 50 ? 0 : z / (1 + z);
      const c = p.c ?? 4;
      const ec = Math.max(-c * s, Math.min(c * s, e));
      level += a * ec;
      scale += (p.as ?? 0.02) * (Math.abs(ec) - scale);
    }
    return out;
  },
  multi(f, p) {
    const n = f.values.length;
    const out = new Float64Array(n);
    const ms = [1, p.m1 ?? 6, p.m2 ?? 48, p.m3 ?? 288].filter((m) => m > 0);
    const useStd = p.std ?? 1;
    const feats: { m: number; kind: number; lo: number; hi: number; seen: number }[] = [];
    for (const m of ms) {
      feats.push({ m, kind: 0, lo: Infinity, hi: -Infinity, seen: 0 });
      if (m > 1 && useStd) feats.push({ m, kind: 1, lo: Infinity, hi: -Infinity, seen: 0 });
    }
    const wait = p.w ?? 100;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (const ft of feats) {
        if (i + 1 < ft.m) continue;
        let s1 = 0;
        let s2 = 0;
        for (let j = i - ft.m + 1; j <= i; j++) {
          const v = f.values[j]!;
          s1 += v;
          s2 += v * v;
        }
        const mean = s1 / ft.m;
        const g = ft.kind === 0 ? mean : Math.sqrt(Math.max(0, s2 / ft.m - mean * mean));
        const range = ft.hi - ft.lo;
        if (ft.seen > wait && range > 0) {
          const e = Math.max(g - ft.hi, ft.lo - g) / range;
          const w = ft.kind === 1 ? (p.ws ?? 1) : 1;
          if (e * w > best) best = e * w;
        }
        if (g < ft.lo) ft.lo = g;
        if (g > ft.hi) ft.hi = g;
        ft.seen++;
      }
      out[i] = best / (1 + best);
    }
    return out;
  },
  pot(f, p) {
    const n = f.values.length;
    const out = new Float64Array(n);
    const warm = p.warm ?? 150;
    // period (rows per day) from median spacing
    const dts: number[] = [];
    for (let i = 1; i < Math.min(n, 200); i++) dts.push(f.timestamps[i]! - f.timestamps[i - 1]!);
    dts.sort((a, b) => a - b);
    const dt = dts[dts.length >> 1]!;
    const period = Math.round(86400000 / dt);
    const K = 5;
    const q = new Float64Array(K).fill(0);
    const beta = new Float64Array(K).fill(0);
    const cnt = new Float64Array(K).fill(0);
    const useC = [p.c0 ?? 1, p.c1 ?? 1, p.c2 ?? 1, p.c3 ?? 1, p.c4 ?? 1];
    const tailP = p.tail ?? 0.05;
    const eta = p.eta ?? 0.01;
    let level = f.values[0]!;
    let scale = 0;
    let sres = 0;
    let sscale = 0;
    let szs = 0;
    let lo = Infinity;
    let hi = -Infinity;
    let recentMax = 0;
    const a = p.a ?? 0.1;
    const as = p.as ?? 0.02;
    const r = new Float64Array(K);
    for (let i = 0; i < n; i++) {
      const x = f.values[i]!;
      const s = scale + 1e-9 + 1e-6 * Math.abs(level);
      const e = x - level;
      const z = e / s;
      r[0] = Math.abs(z);
      szs += (p.az ?? 0.2) * (Math.max(-6, Math.min(6, z)) - szs);
      r[1] = Math.abs(szs);
      // seasonal
      if (period >= 24 && i >= period) {
        const es = x - f.values[i - period]!;
        const ss = sscale + 1e-9 + 1e-6 * Math.abs(level);
        sres += (p.az ?? 0.2) * (Math.max(-6, Math.min(6, es / ss)) - sres);
        r[2] = Math.abs(sres);
        sscale += as * (Math.min(Math.abs(es), 4 * ss) - sscale);
      } else r[2] = 0;
      const range = hi - lo;
      r[3] = i > 20 && range > 0 ? Math.max(0, x - hi, lo - x) / range : 0;
      r[4] = 0;
      let surprise = 0;
      for (let k = 0; k < 4; k++) {
        if (!useC[k]) continue;
        const v = r[k]!;
        if (i > warm && cnt[k]! > 50) {
          let sp: number;
          if (v <= q[k]!) sp = 0;
          else sp = (v - q[k]!) / (beta[k]! + 1e-12) / Math.LN10 - Math.log10(tailP);
          if (sp > surprise) surprise = sp;
        }
        // update quantile (1-tailP) and mean excess
        q[k] = q[k]! + eta * (v > q[k]! ? (1 - tailP) : -tailP) * (beta[k]! + 1e-3 * (1 + q[k]!));
        if (v > q[k]!) beta[k] = beta[k]! + 0.05 * (Math.min(v - q[k]!, 10 * (beta[k]! + 1e-9)) - beta[k]!);
        cnt[k] = cnt[k]! + 1;
      }
      // suppression: only novel maxima within D rows
      const D = p.D ?? 0;
      let outS = surprise;
      if (D > 0) {
        if (surprise <= recentMax) outS = surprise * (p.sup ?? 0.5);
        recentMax = Math.max(recentMax * Math.exp(-1 / D), surprise);
      }
      out[i] = outS / (outS + 10);
      if (x < lo) lo = x;
      if (x > hi) hi = x;
      const ec = Math.max(-4 * s, Math.min(4 * s, e));
      level += a * ec;
      scale += as * (Math.abs(ec) - scale);
    }
    return out;
  },
  ctx(f, p) {
    const n = f.values.length;
    const out = new Float64Array(n);
    const W = p.W ?? 300;
    const B = p.B ?? 10;
    const k = p.k ?? 4;
    const seen = new Set<number>();
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < Math.min(W, n); i++) {
      lo = Math.min(lo, f.values[i]!);
      hi = Math.max(hi, f.values[i]!);
    }
    const bins = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const u = hi > lo ? (f.values[i]! - lo) / (hi - lo) : 0.5;
      bins[i] = Math.max(-1, Math.min(B, Math.floor(u * B)));
    }
    let rate = 1;
    for (let i = k - 1; i < n; i++) {
      let key = 0;
      for (let j = i - k + 1; j <= i; j++) key = key * (B + 2) + bins[j]! + 1;
      const novel = !seen.has(key);
      seen.add(key);
      if (i >= W) {
        out[i] = novel ? Math.max(0, 1 - rate / (p.r ?? 1)) : 0;
        rate += (p.ar ?? 0.01) * ((novel ? 1 : 0) - rate);
      }
    }
    return out;
  },
  markov(f, p) {
    const n = f.values.length;
    const out = new Float64Array(n);
    const W = p.W ?? 300;
    const B = p.B ?? 10;
    const k = p.k ?? 1;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < Math.min(W, n); i++) {
      lo = Math.min(lo, f.values[i]!);
      hi = Math.max(hi, f.values[i]!);
    }
    const bins = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const u = hi > lo ? (f.values[i]! - lo) / (hi - lo) : 0.5;
      bins[i] = Math.max(-1, Math.min(B, Math.floor(u * B)));
    }
    const ctxCount = new Map<number, number>();
    const trCount = new Map<number, number>();
    const m = p.m ?? 10;
    const ring = new Float64Array(m);
    let rsum = 0;
    let mean = 0;
    let varr = 0;
    let cnt = 0;
    const al = p.al ?? 0.001;
    for (let i = k; i < n; i++) {
      let key = 0;
      for (let j = i - k; j < i; j++) key = key * (B + 2) + bins[j]! + 1;
      const c = ctxCount.get(key) ?? 0;
      const tkey = key * (B + 2) + bins[i]! + 1;
      const t = trCount.get(tkey) ?? 0;
      const prob = (t + (p.lap ?? 0.1)) / (c + (p.lap ?? 0.1) * (B + 2));
      const raw = p.log ? -Math.log(prob) : 1 - prob;
      ctxCount.set(key, c + 1);
      trCount.set(tkey, t + 1);
      rsum += raw - ring[i % m]!;
      ring[i % m] = raw;
      const avg = rsum / m;
      if (i >= W) {
        const sd = Math.sqrt(varr) + 1e-6;
        const z = (avg - mean) / sd;
        out[i] = z > 0 ? z / (z + 5) : 0;
      }
      cnt++;
      const a = Math.max(al, 1 / cnt);
      const d = avg - mean;
      mean += a * d;
      varr = (1 - a) * (varr + a * d * d);
    }
    return out;
  },
  rec2(f, p) {
    const n = f.values.length;
    const out = new Float64Array(n);
    const dts: number[] = [];
    for (let i = 1; i < Math.min(n, 200); i++) dts.push(f.timestamps[i]! - f.timestamps[i - 1]!);
    dts.sort((a, b) => a - b);
    const dt = dts[dts.length >> 1]!;
    const period = Math.round(86400000 / dt);
    const NB = p.NB ?? 48;
    const prof = new Float64Array(NB);
    const profN = new Float64Array(NB);
    const pa = p.pa ?? 0.05;
    const feats: (() => number)[] = [];
    const on = (k: string, d = 1) => (p[k] ?? d) > 0;
    let x = 0;
    let i = 0;
    const vals = f.values;
    if (on('fx')) feats.push(() => x, () => -x);
    // ewma residual
    let level = vals[0]!;
    let scale = 0;
    let z = 0;
    const a = p.a ?? 0.1;
    const as = p.as ?? 0.02;
    let zs = 0;
    if (on('fz')) feats.push(() => Math.abs(z));
    if (on('fzs')) feats.push(() => Math.abs(zs));
    let ss = 0;
    let sscale = 0;
    if (on('fss')) feats.push(() => Math.abs(ss));
    const m = p.m ?? 12;
    let rs1 = 0;
    let rs2 = 0;
    let sd = 0;
    if (on('fsdu', 0)) feats.push(() => sd);
    if (on('fsdd', 0)) feats.push(() => -sd);
    let mean = 0;
    if (on('fmu', 0)) feats.push(() => mean, () => -mean);
    let dx = 0;
    if (on('fdx', 0)) feats.push(() => Math.abs(dx));
    const K = feats.length;
    const hi = new Float64Array(K).fill(-Infinity);
    const lo = new Float64Array(K).fill(Infinity);
    const wait = p.wait ?? 100;
    const D = p.D ?? 50;
    let lastRec = -1e9;
    const raw = new Float64Array(n);
    const az = p.az ?? 0.2;
    for (i = 0; i < n; i++) {
      x = vals[i]!;
      const s = scale + 1e-9 + 1e-6 * Math.abs(level);
      const e = x - level;
      z = e / s;
      zs += az * (Math.max(-8, Math.min(8, z)) - zs);
      if (p.prof) {
        const ph = Math.floor(((f.timestamps[i]! % 86400000) / 86400000) * NB);
        const pv = prof[ph]!;
        const pc = profN[ph]!;
        if (pc >= (p.pmin ?? 3) * (86400000 / NB / dt) ) {
          const es = x - pv;
          const sc = sscale + 1e-9 + 1e-6 * Math.abs(level);
          ss += az * (Math.max(-8, Math.min(8, es / sc)) - ss);
          sscale += as * (Math.min(Math.abs(es), 4 * sc) - sscale);
        }
        prof[ph] = pc === 0 ? x : pv + Math.max(pa, 1 / (pc + 1)) * (x - pv);
        profN[ph] = pc + 1;
      } else if (period >= 24 && i >= period) {
        const es = x - vals[i - period]!;
        const sc = sscale + 1e-9 + 1e-6 * Math.abs(level);
        ss += az * (Math.max(-8, Math.min(8, es / sc)) - ss);
        sscale += as * (Math.min(Math.abs(es), 4 * sc) - sscale);
      }
      rs1 += x;
      rs2 += x * x;
      if (i >= m) {
        rs1 -= vals[i - m]!;
        rs2 -= vals[i - m]! * vals[i - m]!;
      }
      const c = Math.min(i + 1, m);
      mean = rs1 / c;
      sd = Math.log(Math.sqrt(Math.max(0, rs2 / c - mean * mean)) + 1e-6 * Math.abs(mean) + 1e-9);
      dx = i > 0 ? x - vals[i - 1]! : 0;
      let best = 0;
      for (let k = 0; k < K; k++) {
        const v = feats[k]!();
        const range = hi[k]! - lo[k]!;
        if (i > wait && range > 0) {
          const ex = (v - hi[k]!) / range;
          if (ex > best) best = ex;
        }
        if (v > hi[k]!) hi[k] = v;
        if (v < lo[k]!) lo[k] = v;
      }
      let o = best / (1 + best);
      if (p.rm) {
        raw[i] = best;
        let mx = 0;
        for (let j = Math.max(0, i - D); j < i; j++) if (raw[j]! > mx) mx = raw[j]!;
        if (best <= mx * (p.rmf ?? 1)) o *= 0.01;
      } else if (best > (p.bt ?? 0.005)) {
        if (i - lastRec < D) o *= 0.01;
        else lastRec = i;
      }
      out[i] = o;
      const ec = Math.max(-4 * s, Math.min(4 * s, e));
      level += a * ec;
      scale += as * (Math.abs(ec) - scale);
    }
    return out;
  },
  rec(f, p) {
    const n = f.values.length;
    const out = new Float64Array(n);
    const dts: number[] = [];
    for (let i = 1; i < Math.min(n, 200); i++) dts.push(f.timestamps[i]! - f.timestamps[i - 1]!);
    dts.sort((a, b) => a - b);
    const period = Math.round(86400000 / dts[dts.length >> 1]!);
    const K = 6;
    const hi = new Float64Array(K).fill(-Infinity);
    const lo = new Float64Array(K).fill(Infinity);
    const seen = new Float64Array(K);
    const useC = [p.c0 ?? 1, p.c1 ?? 1, p.c2 ?? 1, p.c3 ?? 1, p.c4 ?? 1, p.c5 ?? 1];
    const wgt = [p.w0 ?? 1, p.w1 ?? 1, p.w2 ?? 1, p.w3 ?? 1, p.w4 ?? 1, p.w5 ?? 1];
    let level = f.values[0]!;
    let scale = 0;
    let szs = 0;
    let sres = 0;
    let sscale = 0;
    const a = p.a ?? 0.1;
    const as = p.as ?? 0.02;
    const az = p.az ?? 0.2;
    const r = new Float64Array(K);
    const wait = p.wait ?? 100;
    let lastRec = -1e9;
    const H = p.H ?? 0;
    for (let i = 0; i < n; i++) {
      const x = f.values[i]!;
      const s = scale + 1e-9 + 1e-6 * Math.abs(level);
      const e = x - level;
      const z = e / s;
      r[0] = x;
      r[1] = -x;
      r[2] = Math.abs(z);
      szs += az * (Math.max(-8, Math.min(8, z)) - szs);
      r[3] = Math.abs(szs);
      r[4] = 0;
      if (period >= 24 && i >= period) {
        const es = x - f.values[i - period]!;
        const ss = sscale + 1e-9 + 1e-6 * Math.abs(level);
        sres += az * (Math.max(-8, Math.min(8, es / ss)) - sres);
        r[4] = Math.abs(sres);
        sscale += as * (Math.min(Math.abs(es), 4 * ss) - sscale);
      }
      r[5] = Math.log(s);
      let best = 0;
      for (let k = 0; k < K; k++) {
        if (!useC[k]) continue;
        const v = r[k]!;
        const range = hi[k]! - lo[k]!;
        if (seen[k]! > wait && range > 0) {
          const ex = ((v - hi[k]!) / range) * wgt[k]!;
          if (ex > best) best = ex;
        }
        if (v > hi[k]!) hi[k] = v;
        if (v < lo[k]!) lo[k] = v;
        if (H > 0 && seen[k]! > wait) {
          hi[k] = hi[k]! - (hi[k]! - lo[k]!) / H;
        }
        seen[k] = seen[k]! + 1;
      }
      const D = p.D ?? 0;
      if (D > 0 && best > (p.bt ?? 0.005)) {
        if (i - lastRec < D) {
          out[i] = (best / (1 + best)) * (p.sup ?? 0.01);
          if (p.ext) lastRec = i;
        } else {
          out[i] = best / (1 + best);
          lastRec = i;
        }
      } else out[i] = best / (1 + best);
      const ec = Math.max(-4 * s, Math.min(4 * s, e));
      level += a * ec;
      scale += as * (Math.abs(ec) - scale);
    }
    return out;
  },
  spatial(f, p) {
    const n = f.values.length;
    const out = new Float64Array(n);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = f.values[i]!;
      const range = hi - lo;
      let e = 0;
      if (i > (p.w ?? 100) && range > 0) e = Math.max(x - hi, lo - x) / range;
      out[i] = e > 0 ? e / (1 + e) : 0;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    return out;
  },
};

const files = loadCorpus();
const name = process.argv[2] ?? 'z';
const params = JSON.parse(process.argv[3] ?? '{}') as Record<string, number>;
const t0 = performance.now();
const scored = files.map((f) => ({ name: f.name, windows: f.windows, scores: dets[name]!(f, params) }));
const t1 = performance.now();
const res = NAB_PROFILE_NAMES.map((p) => nabSweep(scored, p));
const t2 = performance.now();
const points = files.reduce((s, f) => s + f.values.length, 0);
console.log(
  name,
  JSON.stringify(params),
  res.map((r) => `${r.profile}=${r.normalized.toFixed(2)}@${r.threshold.toFixed(4)}`).join(' '),
  `TP=${res[0]!.files.reduce((s, f) => s + f.truePositives, 0)} FN=${res[0]!.files.reduce((s, f) => s + f.falseNegatives, 0)} FP=${res[0]!.files.reduce((s, f) => s + f.falsePositives, 0)}`,
  `det ${((points / (t1 - t0)) * 1000).toFixed(0)} pts/s sweep ${(((3 * points) / (t2 - t1)) * 1000).toFixed(0)} pts/s`,
);
if (process.env.PERFILE) {
  for (const f of res[0]!.files) console.log(f.name.padEnd(60), f.score.toFixed(3), f.truePositives, f.falseNegatives, f.falsePositives);
}
