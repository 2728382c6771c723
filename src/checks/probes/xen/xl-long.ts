/** `xl list -l` / `xm list -l`: tells the output formats apart and hands each to its reader. */
import type { XenDomainConfig } from '../../../model/xen.js';
import { ParseError } from '../parse-error.js';
import { LONG } from './domain-config.js';
import { parseXlJson } from './xl-long-json.js';
import { parseXlSxp } from './xl-long-sxp.js';
import { parseXendDomains } from './xm-long.js';

/**
 * Parses `xl list -l` / `xl list --long` and `xm list -l`:
 * - xl (Xen 4.2 and later, output_format "json", the default): a JSON array of
 *   `{"domid": N, "config": {"c_info": {...}, "b_info": {...}, "disks": [...], "nics": [...]}}`
 *   (xl_info.c printf_info_one_json over libxl_domain_config). xl 4.2 printed the objects one
 *   after the other without the array; both are read. libxl leaves out fields at their defaults
 *   since Xen 4.5, so an absent `readwrite` is 0 (read-only) and an absent `is_cdrom` is 0. The
 *   type is `c_info.type` (a 4.4-4.9 PV domain with `"pvh": "True"` is PVH), else the
 *   `b_info` union key `"type.hvm"` / `"type.pv"` / `"type.pvh"`.
 * - xl with output_format "sxp" (and xl 4.1): xl_sxp.c's legacy lines, `(domain` /
 *   `\t(domid N)` / `\t(create_info)` / `\t(hvm 0|1)` ... read line by line, since its PV branch
 *   prints `(linux 0)` and closes `(image` and `(domain` early. It has no bridge, and prints the
 *   MAC without colons.
 * - xm (xend): S-expressions, one `(domain ...)` per domain, read with the xend SXP reader:
 *   `(memory N)` and `(maxmem N)` in MiB, `(image (hvm ...))` / `(image (linux ...))`, and
 *   `(device (vbd|tap|tap2 (dev xvda:disk) (uname phy:/dev/sdb7) (mode w)))` /
 *   `(device (vif (bridge ...) (mac ...) (ip ...)))`.
 * Domain-0 is kept (xl 4.5+ and xm list it). Empty output gives []. Leading "WARNING:" lines
 * (xm's deprecation notice) are skipped.
 * @throws ParseError ('xl-list-long') on text that is none of these (an error message, plain
 *   `xl list`), invalid or cut JSON or S-expressions, a domain without a name, or a count that
 *   is not a number.
 */
export function parseXlListLong(text: string): XenDomainConfig[] {
  const lines = text.split('\n');
  let first = 0;
  while (first < lines.length && /^\s*(?:WARNING|Warning|warning)\b/.test(lines[first] as string)) first++;
  const body = lines.slice(first).join('\n');
  const start = body.trimStart();
  if (start === '') return [];
  if (start[0] === '[' || start[0] === '{') return parseXlJson(start);
  if (start[0] === '(') {
    // xl_sxp.c prints "\t(create_info)" on a line of its own; xend never prints that key.
    return start.split('\n').some((l) => l.trim() === '(create_info)') ? parseXlSxp(start) : parseXendDomains(start);
  }
  throw new ParseError(LONG, `neither JSON nor "(domain" S-expressions: not \`xl list -l\` output: ${JSON.stringify(start.split('\n')[0]?.slice(0, 80))}`);
}
