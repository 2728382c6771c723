import { probe, type Probe } from '../probe.js';
import { parseXendConfig, parseXlInfo, parseXlList, parseXlListLong } from '../xen.js';

/** Runs a Xen toolstack subcommand with xl, else xm (an xend host); prints nothing where neither is installed. */
const xenTool = (args: string): string => `if command -v xl >/dev/null 2>&1; then xl ${args}; elif command -v xm >/dev/null 2>&1; then xm ${args}; fi`;
/** The probes need xl or xm: without either they print nothing, with no process started (Probe.guard). */
const TOOLSTACK = 'command -v xl >/dev/null 2>&1 || command -v xm >/dev/null 2>&1';
/** Empty output (no Xen toolstack here) is null; anything else goes to the parser. */
const orNone =
  <T>(parse: (text: string) => T) =>
  (text: string): T | null =>
    text.trim() === '' ? null : parse(text);

/** The Xen toolstack's probes (xl, or xm and xend). */
export const XEN_PROBES = {
  'xl-info': probe({ id: 'xl-info', hypervisor: 'xen', provides: ['xen.info', 'hypervisor'], guard: TOOLSTACK, command: () => xenTool('info'), parse: orNone(parseXlInfo) }),
  'xl-list': probe({ id: 'xl-list', hypervisor: 'xen', provides: ['xen.domains', 'xenMove'], guard: TOOLSTACK, command: () => xenTool('list'), parse: orNone(parseXlList) }),
  'xl-list-long': probe({
    id: 'xl-list-long',
    hypervisor: 'xen',
    provides: ['xen.configs', 'xenMove.bridges', 'xenMove.disks', 'xenMove.hvm', 'xenMove.bridgeNetworks'],
    guard: TOOLSTACK,
    command: () => xenTool('list -l'),
    parse: orNone(parseXlListLong),
  }),
  'xend-config': probe({
    id: 'xend-config',
    hypervisor: 'xen',
    provides: ['xen.xend'],
    // Absent on xl hosts: prints nothing, which reads as "no xend".
    guard: '[ -f /etc/xen/xend-config.sxp ]',
    command: () => 'if [ -f /etc/xen/xend-config.sxp ]; then cat /etc/xen/xend-config.sxp; fi',
    parse: orNone(parseXendConfig),
  }),
} as const satisfies Record<string, Probe>;
