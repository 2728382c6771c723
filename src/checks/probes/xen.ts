/*
 * Xen probe: pure parsers for the Xen tools' outputs (`xl info`, `xl list`, `xl list -l` /
 * `xm list -l`, /etc/xen/xend-config.sxp) and xend's relocation host check. The code lives in
 * xen/: xl.ts (xl info, xl list), xl-long.ts (xl/xm list -l, with xl-long-json.ts,
 * xl-long-sxp.ts, xm-long.ts and domain-config.ts), xend.ts (xend-config, relocation) and
 * sxp.ts (the xend S-expression reader). Types are in src/model/xen.ts.
 */

export { getfqdnOf, parseXendConfig, parseXendPeerName, relocationAdmits } from './xen/xend.js';
export { parseXlInfo, parseXlList } from './xen/xl.js';
export { parseXlListLong } from './xen/xl-long.js';
