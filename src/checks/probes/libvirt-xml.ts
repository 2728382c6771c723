/**
 * Pure parsers for libvirt XML (`virsh dumpxml`, `net-dumpxml`, `pool-dumpxml`, `capabilities`,
 * `domcapabilities`) and `virsh version`.
 *
 * The probes run one virsh command per object in a shell loop, so each parser takes the
 * concatenation of several XML documents (no separator, possibly empty). They are parsed as the
 * children of a synthetic root element after `<?xml ...?>` declarations are removed.
 */
import type {
  CapabilitiesFacts,
  CapabilitiesGuest,
  DomCapabilitiesCpuModel,
  DomCapabilitiesFacts,
  DomainDisk,
  DomainInterface,
  DomainXmlFacts,
  NetworkFacts,
  PoolFacts,
  VirshVersionFacts,
} from '../../model/libvirt.js';
import { migrationBlockers } from './domain-blockers.js';
import { graphicsOf } from './domain-graphics.js';
import { ParseError } from './parse-error.js';
import { all, attr, attrValue, childText, first, parseDocuments, requiredChildText, textOf, unitFactor, type XmlNode } from './xml-doc.js';

/** A scaled integer element (<memory unit='MiB'>2048</memory>, <capacity unit='bytes'>...), or attribute (<page size='2' unit='M'/>), in bytes. */
function scaledBytes(node: XmlNode, defaultUnit: string, probe: string, what: string, fromAttr?: string): bigint {
  const raw = fromAttr === undefined ? textOf(node, probe) : (attr(node, fromAttr, probe) ?? '');
  if (!/^\d+$/.test(raw)) throw new ParseError(probe, `${what}: not an unsigned integer: ${JSON.stringify(raw.slice(0, 40))}`);
  const unit = attr(node, 'unit', probe);
  const factor = unitFactor(unit === null || unit === '' ? defaultUnit : unit);
  if (factor === null) throw new ParseError(probe, `${what}: unknown unit ${JSON.stringify(unit)}`);
  return BigInt(raw) * factor;
}

/** Bytes to KiB, rounded up as libvirt's virDomainParseMemory does. */
function toKiB(bytes: bigint): number {
  return Number((bytes + 1023n) / 1024n);
}

function optionalBytes(node: XmlNode, tag: string, probe: string, what: string): number | null {
  const c = first(node, tag);
  return c ? Number(scaledBytes(c, 'bytes', probe, `${what} <${tag}>`)) : null;
}

const DOMXML = 'virsh-domxml';

function parseInterface(iface: XmlNode): DomainInterface {
  // libvirt defaults a missing type to 'user'.
  const type = attrValue(iface, 'type', DOMXML) ?? 'user';
  const source = first(iface, 'source');
  return {
    type,
    // Live XML of type=network also carries the bridge the network gave it (virbr0); that is the
    // network's business on the destination, so only a type=bridge interface names a bridge.
    bridge: type === 'bridge' ? attrValue(source, 'bridge', DOMXML) : null,
    network: type === 'network' ? attrValue(source, 'network', DOMXML) : null,
    dev: type === 'direct' ? attrValue(source, 'dev', DOMXML) : null,
    mac: attrValue(first(iface, 'mac'), 'address', DOMXML)?.toLowerCase() ?? null,
    virtualport: attrValue(first(iface, 'virtualport'), 'type', DOMXML),
  };
}

function networkSource(source: XmlNode): string {
  const protocol = attrValue(source, 'protocol', DOMXML) ?? '';
  let host = attrValue(first(source, 'host'), 'name', DOMXML) ?? '';
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`; // IPv6 literal
  const name = (attrValue(source, 'name', DOMXML) ?? '').replace(/^\/+/, '');
  return `${protocol}://${host}/${name}`;
}

function parseDisk(disk: XmlNode): DomainDisk {
  // libvirt defaults a missing type to 'file' and a missing device to 'disk'.
  const type = attrValue(disk, 'type', DOMXML) ?? 'file';
  const device = attrValue(disk, 'device', DOMXML) ?? 'disk';
  const source = first(disk, 'source'); // direct child only: <backingStore><source> is not the disk's
  const driver = first(disk, 'driver');
  let path: string | null = null;
  let pool: string | null = null;
  let volume: string | null = null;
  let protocol: string | null = null;
  if (source) {
    if (type === 'network') {
      protocol = attrValue(source, 'protocol', DOMXML);
      path = networkSource(source);
    } else if (type === 'volume') {
      pool = attrValue(source, 'pool', DOMXML);
      volume = attrValue(source, 'volume', DOMXML);
      path = pool !== null && volume !== null ? `${pool}/${volume}` : null;
    } else {
      path = attrValue(source, 'file', DOMXML) ?? attrValue(source, 'dev', DOMXML) ?? attrValue(source, 'dir', DOMXML);
    }
  }
  return {
    type,
    device,
    source: path,
    pool,
    volume,
    protocol,
    format: attrValue(driver, 'type', DOMXML),
    cache: attrValue(driver, 'cache', DOMXML),
    readonly: first(disk, 'readonly') !== undefined,
    shareable: first(disk, 'shareable') !== undefined,
    target: attrValue(first(disk, 'target'), 'dev', DOMXML),
  };
}

function parseDomain(d: XmlNode, index: number): DomainXmlFacts {
  const name = requiredChildText(d, 'name', DOMXML, `<domain> #${index + 1}`);
  const what = `domain ${JSON.stringify(name)}`;
  const memory = first(d, 'memory');
  if (!memory) throw new ParseError(DOMXML, `${what} without <memory>`);
  const memoryKiB = toKiB(scaledBytes(memory, 'KiB', DOMXML, `${what} <memory>`));
  const current = first(d, 'currentMemory');
  const currentMemoryKiB = current ? toKiB(scaledBytes(current, 'KiB', DOMXML, `${what} <currentMemory>`)) : memoryKiB;
  const vcpuText = childText(d, 'vcpu', DOMXML);
  if (vcpuText !== null && !/^\d+$/.test(vcpuText)) throw new ParseError(DOMXML, `${what}: <vcpu> is not a count: ${JSON.stringify(vcpuText)}`);
  const osType = first(first(d, 'os'), 'type');
  const cpu = first(d, 'cpu');
  const devices = first(d, 'devices');
  return {
    name,
    uuid: childText(d, 'uuid', DOMXML)?.toLowerCase() ?? null,
    virtType: attrValue(d, 'type', DOMXML),
    memoryKiB,
    currentMemoryKiB,
    // The maximum (text); current='N' (hot-plugged count) is ignored. libvirt defaults to 1.
    vcpus: vcpuText === null ? 1 : Number(vcpuText),
    arch: attrValue(osType, 'arch', DOMXML),
    machine: attrValue(osType, 'machine', DOMXML),
    // libvirt omits mode='custom' when it is the default (e.g. a <cpu> holding only <topology>).
    cpuMode: cpu ? (attrValue(cpu, 'mode', DOMXML) ?? 'custom') : null,
    cpuModel: childText(cpu, 'model', DOMXML),
    cpuCheck: attrValue(cpu, 'check', DOMXML),
    cpuMatch: attrValue(cpu, 'match', DOMXML),
    cpuVendor: childText(cpu, 'vendor', DOMXML),
    cpuFallback: attrValue(first(cpu, 'model'), 'fallback', DOMXML),
    cpuFeatures: all(cpu, 'feature').map((f) => {
      const fname = attrValue(f, 'name', DOMXML);
      if (fname === null) throw new ParseError(DOMXML, `${what}: <cpu><feature> without name`);
      return { name: fname, policy: attrValue(f, 'policy', DOMXML) ?? 'require' };
    }),
    interfaces: all(devices, 'interface').map(parseInterface),
    disks: all(devices, 'disk').map(parseDisk),
    blockers: migrationBlockers(d),
    hugepages: hugepagesOf(first(d, 'memoryBacking'), what),
    graphics: graphicsOf(devices, what),
  };
}

/** <memoryBacking><hugepages>: each <page size unit nodeset>; `<hugepages/>` alone is one page of the default size. */
function hugepagesOf(backing: XmlNode | undefined, what: string): DomainXmlFacts['hugepages'] {
  const hp = first(backing, 'hugepages');
  if (!hp) return null;
  const pages = all(hp, 'page').map((p) => ({
    sizeKiB: attrValue(p, 'size', DOMXML) === null ? null : toKiB(scaledBytes(p, 'KiB', DOMXML, `${what} <hugepages><page>`, 'size')),
    nodeset: attrValue(p, 'nodeset', DOMXML),
  }));
  return pages.length > 0 ? pages : [{ sizeKiB: null, nodeset: null }];
}

/**
 * Parses the concatenated output of `virsh dumpxml` for several domains (a shell loop, no
 * separators). Empty text gives []. Memory is converted to KiB from any libvirt unit
 * (KB = 1000 bytes, KiB = k = 1024 bytes, ...), rounded up as libvirt does.
 * @throws ParseError ('virsh-domxml') on malformed XML, text or other elements between the
 *   documents, a domain without <name> or <memory>, or an unknown unit.
 */
export function parseDomainXmlList(text: string): DomainXmlFacts[] {
  return parseDocuments(DOMXML, text, 'domain').map(parseDomain);
}

const NETS = 'virsh-nets';

/**
 * Parses the concatenated output of `virsh net-dumpxml` for several networks. A <forward>
 * without mode is libvirt's default, 'nat'; no <forward> at all (isolated) gives null.
 * @throws ParseError ('virsh-nets') on malformed XML, stray content or a network without <name>.
 */
export function parseNetworkXmlList(text: string): NetworkFacts[] {
  return parseDocuments(NETS, text, 'network').map((n, i) => {
    const forward = first(n, 'forward');
    return {
      name: requiredChildText(n, 'name', NETS, `<network> #${i + 1}`),
      uuid: childText(n, 'uuid', NETS)?.toLowerCase() ?? null,
      bridge: attrValue(first(n, 'bridge'), 'name', NETS),
      forwardMode: forward ? (attrValue(forward, 'mode', NETS) ?? 'nat') : null,
    };
  });
}

const POOLS = 'virsh-pools';

/**
 * Parses the concatenated output of `virsh pool-dumpxml` for several storage pools.
 * capacity/allocation/available are converted to bytes (default unit bytes); null when absent
 * (as in pool definitions rather than live dumps). Exact up to 2^53 bytes (8 PiB).
 * @throws ParseError ('virsh-pools') on malformed XML, stray content, a pool without type or
 *   <name>, or an unknown unit.
 */
export function parsePoolXmlList(text: string): PoolFacts[] {
  return parseDocuments(POOLS, text, 'pool').map((p, i) => {
    const name = requiredChildText(p, 'name', POOLS, `<pool> #${i + 1}`);
    const what = `pool ${JSON.stringify(name)}`;
    const type = attrValue(p, 'type', POOLS);
    if (type === null) throw new ParseError(POOLS, `${what} without type`);
    const source = first(p, 'source');
    return {
      name,
      uuid: childText(p, 'uuid', POOLS)?.toLowerCase() ?? null,
      type,
      targetPath: childText(first(p, 'target'), 'path', POOLS),
      sourceHosts: all(source, 'host').flatMap((h) => attrValue(h, 'name', POOLS) ?? []),
      sourceDir: attrValue(first(source, 'dir'), 'path', POOLS),
      sourceDevices: all(source, 'device').flatMap((d) => attrValue(d, 'path', POOLS) ?? []),
      sourceName: childText(source, 'name', POOLS),
      capacityBytes: optionalBytes(p, 'capacity', POOLS, what),
      allocationBytes: optionalBytes(p, 'allocation', POOLS, what),
      availableBytes: optionalBytes(p, 'available', POOLS, what),
    };
  });
}

const CAPS = 'virsh-caps';

/** The single document `virsh capabilities` / `virsh domcapabilities` prints. */
function singleDocument(probe: string, text: string, rootTag: string): XmlNode {
  const docs = parseDocuments(probe, text, rootTag);
  const doc = docs[0];
  if (!doc || docs.length !== 1) throw new ParseError(probe, `expected one <${rootTag}> document, got ${docs.length}`);
  return doc;
}

function parseCapsGuest(g: XmlNode, index: number): CapabilitiesGuest {
  const where = `<guest> #${index + 1}`;
  const osType = requiredChildText(g, 'os_type', CAPS, where);
  const archNode = first(g, 'arch');
  const arch = attrValue(archNode, 'name', CAPS);
  if (!archNode || arch === null) throw new ParseError(CAPS, `${where} without <arch name>`);
  const domains = all(archNode, 'domain');
  const domainTypes = new Set<string>();
  for (const d of domains) {
    const type = attrValue(d, 'type', CAPS);
    if (type === null) throw new ParseError(CAPS, `${where} (${arch}): <domain> without type`);
    domainTypes.add(type);
  }
  // The <arch>'s own machines, then those repeated under a <domain> (old libvirt lists them under kvm).
  const machines = new Set<string>();
  for (const m of [...all(archNode, 'machine'), ...domains.flatMap((d) => all(d, 'machine'))]) {
    const name = textOf(m, CAPS);
    if (name === '') throw new ParseError(CAPS, `${where} (${arch}): empty <machine>`);
    machines.add(name);
    const canonical = attrValue(m, 'canonical', CAPS);
    if (canonical !== null) machines.add(canonical);
  }
  return { osType, arch, domainTypes: [...domainTypes], machines: [...machines] };
}

/**
 * Parses `virsh capabilities` (one <capabilities> document; a leading XML comment, as in saved
 * copies, is allowed). Host CPU arch/model come from <host><cpu>; each <guest> gives its OS type,
 * architecture, virt types and machine types (aliases and their canonical names both listed).
 * @throws ParseError ('virsh-caps') on malformed XML, not exactly one document, or a <guest>
 *   without <os_type>, <arch name>, a <domain type> or with an empty <machine>.
 */
export function parseCapabilities(text: string): CapabilitiesFacts {
  const caps = singleDocument(CAPS, text, 'capabilities');
  const cpu = first(first(caps, 'host'), 'cpu');
  return {
    hostArch: childText(cpu, 'arch', CAPS),
    hostCpuModel: childText(cpu, 'model', CAPS),
    guests: all(caps, 'guest').map(parseCapsGuest),
  };
}

const DOMCAPS = 'virsh-domcaps';
const USABLE: ReadonlyMap<string, DomCapabilitiesCpuModel['usable']> = new Map([
  ['yes', 'yes'],
  ['no', 'no'],
  ['unknown', 'unknown'],
]);

function cpuMode(cpu: XmlNode | undefined, name: string): XmlNode | undefined {
  return all(cpu, 'mode').find((m) => attr(m, 'name', DOMCAPS) === name);
}

function featureNames(node: XmlNode, what: string): string[] {
  return all(node, 'feature').map((f) => {
    const name = attrValue(f, 'name', DOMCAPS);
    if (name === null) throw new ParseError(DOMCAPS, `${what}: <feature> without name`);
    return name;
  });
}

function parseCustomModels(custom: XmlNode | undefined): DomCapabilitiesCpuModel[] {
  if (!custom || attr(custom, 'supported', DOMCAPS) === 'no') return [];
  // Recent libvirt follows an unusable <model> with <blockers model='NAME'><feature name='...'/>...</blockers>.
  const blockers = new Map<string, string[]>();
  for (const b of all(custom, 'blockers')) {
    const model = attrValue(b, 'model', DOMCAPS);
    if (model === null) throw new ParseError(DOMCAPS, '<blockers> without model');
    const names = blockers.get(model) ?? [];
    for (const f of featureNames(b, `<blockers model=${JSON.stringify(model)}>`)) names.push(f); // push: no quadratic re-copy
    blockers.set(model, names);
  }
  return all(custom, 'model').map((m) => {
    const name = textOf(m, DOMCAPS);
    if (name === '') throw new ParseError(DOMCAPS, "empty <model> in <mode name='custom'>");
    const raw = attr(m, 'usable', DOMCAPS);
    const usable = raw === null ? 'unknown' : USABLE.get(raw);
    if (usable === undefined) throw new ParseError(DOMCAPS, `model ${JSON.stringify(name)}: usable=${JSON.stringify(raw)} is not yes, no or unknown`);
    return { name, usable, blockers: blockers.get(name) ?? [] };
  });
}

/**
 * Parses `virsh domcapabilities` (one <domainCapabilities> document): arch, machine, virt type,
 * host-passthrough support, the custom-mode CPU models with their usability (and blockers where
 * libvirt lists them), and the host-model CPU (model + features, policy defaulting to 'require').
 * @throws ParseError ('virsh-domcaps') on malformed XML, not exactly one document, an empty or
 *   unknown-usability custom <model>, or a <feature>/<blockers> without its name/model.
 */
export function parseDomCapabilities(text: string): DomCapabilitiesFacts {
  const dc = singleDocument(DOMCAPS, text, 'domainCapabilities');
  const cpu = first(dc, 'cpu');
  const passthrough = attr(cpuMode(cpu, 'host-passthrough'), 'supported', DOMCAPS);
  const hostModelMode = cpuMode(cpu, 'host-model');
  const hostModel =
    !hostModelMode || attr(hostModelMode, 'supported', DOMCAPS) === 'no'
      ? null
      : {
          model: childText(hostModelMode, 'model', DOMCAPS),
          features: all(hostModelMode, 'feature').map((f) => {
            const name = attrValue(f, 'name', DOMCAPS);
            if (name === null) throw new ParseError(DOMCAPS, "<mode name='host-model'>: <feature> without name");
            return { name, policy: attrValue(f, 'policy', DOMCAPS) ?? 'require' };
          }),
        };
  return {
    arch: childText(dc, 'arch', DOMCAPS),
    machine: childText(dc, 'machine', DOMCAPS),
    domainType: childText(dc, 'domain', DOMCAPS),
    hostPassthrough: passthrough === 'yes' ? true : passthrough === 'no' ? false : null,
    models: parseCustomModels(cpuMode(cpu, 'custom')),
    hostModel,
  };
}

/**
 * Parses `virsh version`:
 *   Compiled against library: libvirt 9.0.0
 *   Using library: libvirt 9.0.0
 *   Using API: QEMU 9.0.0
 *   Running hypervisor: QEMU 7.2.0
 * A missing "Using library" or "Running hypervisor" line (virsh could not ask the driver) gives null.
 * @throws ParseError ('virsh-version') when no "library: libvirt" line is present at all.
 */
export function parseVirshVersion(text: string): VirshVersionFacts {
  let sawLibrary = false;
  let libvirt: string | null = null;
  let hypervisor: VirshVersionFacts['hypervisor'] = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const lib = /^(Compiled against|Using) library:\s*libvirt\s+(\S+)$/.exec(line);
    if (lib) {
      sawLibrary = true;
      if (lib[1] === 'Using') libvirt = lib[2] ?? null;
      continue;
    }
    // Name, blanks, version: split at the last blank by hand (`:\s*(.+?)\s+` backtracks cubically on blanks).
    if (line.startsWith('Running hypervisor:')) {
      const rest = line.slice('Running hypervisor:'.length).trim();
      const cut = rest.search(/\s\S+$/);
      const name = cut < 0 ? '' : rest.slice(0, cut).trimEnd();
      const version = cut < 0 ? '' : rest.slice(cut + 1);
      if (name !== '' && /^\d/.test(version)) hypervisor = { name, version };
    }
  }
  if (!sawLibrary) {
    const head = text.trim().split('\n')[0] ?? '';
    throw new ParseError('virsh-version', `no "library: libvirt" line: not \`virsh version\` output: ${JSON.stringify(head.slice(0, 80))}`);
  }
  return { libvirt, hypervisor };
}

function versionParts(v: string): number[] {
  const m = /^\s*(\d+(?:\.\d+)*)/.exec(v);
  if (!m) throw new RangeError(`not a dotted numeric version: ${JSON.stringify(v)}`);
  return (m[1] as string).split('.').map(Number);
}

/**
 * Compares dotted numeric versions part by part, missing parts counting as 0
 * ("7.2" equals "7.2.0"; "10.1" is newer than "9.0.0"). A non-numeric suffix ("4.11.4-pre") is ignored.
 * @throws RangeError when a version does not start with a number.
 */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const pa = versionParts(a);
  const pb = versionParts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
