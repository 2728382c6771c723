/**
 * The destination's libvirt as the judge of a moving guest's CPU: `virsh hypervisor-cpu-compare`
 * on the <cpu> of the source's migratable definition. A guest arriving with a named model and
 * check='partial' is compared so (qemuProcessUpdateGuestCPU: virCPUCompare against the host
 * model of the guest's accelerator); check='full' verifies afterwards that QEMU gave every
 * feature, which the same host model decides. Domain capabilities cannot: they list models,
 * not the features a guest adds (named by libvirt's cpu_map, not /proc/cpuinfo).
 */
import type { CpuComparison, HostFacts } from '../../model/facts.js';
import type { DomainXmlFacts } from '../../model/libvirt.js';
import { selectDomains } from '../moving.js';
import { shq } from '../shell.js';
import { ParseError } from './parse-error.js';
import { all, attrValue, parseDocuments } from './xml-doc.js';
import type { CpuCompareQuery } from './probe.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');

/**
 * The <cpu> libvirt compares: the definition's model (host-model with a model is the custom CPU an
 * older libvirt sent, qemuProcessUpdateGuestCPU reads it so), vendor and features; topology, NUMA
 * and cache do not enter the comparison. Null for a guest nothing checks on arrival: no named
 * model, host-passthrough or maximum, or check='none'.
 */
export function guestCpuXml(x: DomainXmlFacts): string | null {
  if (x.cpuModel === null || x.cpuCheck === 'none' || (x.cpuMode !== 'custom' && x.cpuMode !== 'host-model')) return null;
  const lines = [
    `<cpu mode='custom' match='${esc(x.cpuMatch ?? 'exact')}'>`,
    `  <model${x.cpuFallback === null ? '' : ` fallback='${esc(x.cpuFallback)}'`}>${esc(x.cpuModel)}</model>`,
    ...(x.cpuVendor === null ? [] : [`  <vendor>${esc(x.cpuVendor)}</vendor>`]),
    ...x.cpuFeatures.map((f) => `  <feature policy='${esc(f.policy)}' name='${esc(f.name)}'/>`),
    '</cpu>',
  ];
  return lines.join('\n');
}

/** The moving domains' CPU definitions to compare on the destination, one query per distinct definition and accelerator. */
export function cpuCompareQueries(src: HostFacts, requested: readonly string[]): CpuCompareQuery[] {
  const all = src.libvirt?.domains;
  if (!all) return [];
  const byKey = new Map<string, { domains: string[]; virtType: string; arch: string; model: string; xml: string }>();
  for (const d of selectDomains(all, requested).domains) {
    const x = d.xml;
    const xml = x ? guestCpuXml(x) : null;
    if (!x || xml === null || x.virtType === null || x.arch === null) continue;
    const key = `${x.virtType}\n${x.arch}\n${xml}`;
    const q = byKey.get(key);
    if (q) q.domains.push(d.name);
    else byKey.set(key, { domains: [d.name], virtType: x.virtType, arch: x.arch, model: x.cpuModel as string, xml });
  }
  return [...byKey.values()];
}

/**
 * One virsh per definition, its XML on stdin (nothing written on the host); each answer framed by
 * the domains it is for and virsh's exit status. Where libvirt gave no answer (neither a verdict nor
 * a name it lacks: an old libvirt, a driver that cannot compare), `cpu-baseline --features` on the
 * bare model lists the features this libvirt's CPU map gives that model, framed by `mp-model`: the
 * fallback then tells a feature the definition repeats from its model from one it adds.
 */
export function cpuCompareCommand(uri: string, queries: readonly CpuCompareQuery[]): string {
  const u = shq(uri);
  return [
    ...queries.map(
      (q) =>
        `printf 'mp-compare %s\\n' ${shq(JSON.stringify(q.domains))}; ` +
        `_mp_c=$(printf '%s\\n' ${shq(q.xml)} | virsh -c ${u} hypervisor-cpu-compare /dev/stdin --virttype ${shq(q.virtType)} --arch ${shq(q.arch)} --error 2>&1); _mp_r=$?; ` +
        `printf '%s\\n\\nmp-exit %s\\n' "$_mp_c" "$_mp_r"; ` +
        `case $_mp_r:$_mp_c in 0:*|*incompatible*|*'Unknown CPU '*) ;; *) printf 'mp-model %s\\n' ${shq(q.model)}; ` +
        `printf '%s\\n' ${shq(`<cpu><arch>${esc(q.arch)}</arch><model>${esc(q.model)}</model></cpu>`)} | virsh -c ${u} cpu-baseline --features /dev/stdin 2>&1; printf '\\nmp-exit %s\\n' "$?";; esac`,
    ),
    'exit 0',
  ].join('\n');
}

const P = 'guest-cpu-compare';

function verdict(domains: string[], exit: number, body: string[]): CpuComparison {
  const text = body.join('\n');
  if (exit === 0) {
    if (/is identical to the CPU provided by hypervisor/.test(text)) return { domains, result: 'identical', missing: [], detail: text };
    if (/is a superset of CPU described in/.test(text)) return { domains, result: 'superset', missing: [], detail: text };
    throw new ParseError(P, `virsh exited 0 without a comparison for ${domains.join(', ')}: ${JSON.stringify(text.slice(0, 200))}`);
  }
  const errors = body.filter((l) => l.startsWith('error: ') && !l.startsWith('error: Failed to compare hypervisor CPU')).map((l) => l.slice(7));
  const detail = errors.join('; ') || text;
  const inc = errors.map((e) => /^the CPU is incompatible with host CPU: (.*)$/.exec(e)).find((m) => m !== null);
  if (inc) {
    const feats = /required features: (.+)$/.exec(inc[1] as string);
    return { domains, result: 'incompatible', missing: feats ? (feats[1] as string).split(/,\s*/).filter(Boolean) : [], detail: inc[1] as string };
  }
  // Without --error (never sent, but an alias could drop it) virsh says so on stdout.
  if (/is incompatible with the CPU provided by hypervisor/.test(text)) return { domains, result: 'incompatible', missing: [], detail: text };
  if (errors.some((e) => /^internal error: Unknown CPU (model|feature|vendor) /.test(e))) return { domains, result: 'unknown-name', missing: [], detail };
  return { domains, result: 'failed', missing: [], detail };
}

/** The features cpu-baseline --features gives the model (those it requires; it names the model's own, not the host's). */
function modelFeatures(model: string, exit: number, body: string[]): string[] | null {
  if (exit !== 0) return null;
  const docs = parseDocuments(P, body.join('\n'), 'cpu');
  const cpu = docs[0];
  if (!cpu || docs.length !== 1) throw new ParseError(P, `cpu-baseline of model ${model}: expected one <cpu>, got ${docs.length}`);
  return all(cpu, 'feature').flatMap((f) => {
    const name = attrValue(f, 'name', P);
    if (name === null) throw new ParseError(P, `cpu-baseline of model ${model}: <feature> without name`);
    return (attrValue(f, 'policy', P) ?? 'require') === 'require' ? [name] : [];
  });
}

/** Parses cpuCompareCommand's output: a verdict for each definition asked about, with its model's features where libvirt could not answer. */
export function parseCpuCompare(text: string): CpuComparison[] {
  const out: CpuComparison[] = [];
  let cur: { domains: string[]; model: string | null; body: string[] } | null = null;
  for (const line of text.split('\n')) {
    const head = /^mp-compare (.*)$/.exec(line);
    const model = /^mp-model (.+)$/.exec(line);
    const exit = /^mp-exit (\d+)$/.exec(line);
    if ((head || model) && cur) throw new ParseError(P, `no exit status for ${cur.domains.join(', ')}`);
    if (model) {
      const last = out[out.length - 1];
      if (!last || last.modelFeatures !== undefined) throw new ParseError(P, `model ${model[1]}'s features outside a comparison`);
      cur = { domains: [...last.domains], model: model[1] as string, body: [] };
    } else if (head) {
      let domains: unknown;
      try {
        domains = JSON.parse(head[1] as string);
      } catch {
        domains = null;
      }
      if (!Array.isArray(domains) || !domains.every((d) => typeof d === 'string')) throw new ParseError(P, `bad domain list ${JSON.stringify(head[1])}`);
      cur = { domains, model: null, body: [] };
    } else if (exit) {
      if (!cur) throw new ParseError(P, 'an exit status before any comparison');
      if (cur.model === null) out.push(verdict(cur.domains, Number(exit[1]), cur.body));
      else {
        const feats = modelFeatures(cur.model, Number(exit[1]), cur.body);
        if (feats) out[out.length - 1] = { ...(out[out.length - 1] as CpuComparison), modelFeatures: feats };
      }
      cur = null;
    } else if (cur) {
      if (line.trim() !== '') cur.body.push(line.trim());
    } else if (line.trim() !== '') throw new ParseError(P, `unexpected line ${JSON.stringify(line.slice(0, 100))}`);
  }
  if (cur) throw new ParseError(P, `output ends inside the comparison for ${cur.domains.join(', ')}`);
  return out;
}
