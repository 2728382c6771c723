/** Pure parsers for Linux system outputs; the code lives in ./system/. */
export { parseMountinfo, parseProcMounts } from './system/mounts.js';
export { parseGetentAhosts, parseGetentHosts, parseIpLinkBridges, parseIpOAddr, parseIpOLink, parseIpRouteGet } from './system/net.js';
export { parseHostIds, parseLsm, parseMeminfo, parseOnlineCpus } from './system/host.js';
