/** xend's `xm list -l`: (domain ...) S-expressions. */
import type { Sxp, XenDiskConfig, XenDomainConfig, XenNicConfig } from '../../../model/xen.js';
import { ParseError } from '../parse-error.js';
import { safeUnsigned } from '../simple.js';
import { LONG, splitUname } from './domain-config.js';
import { readSxp, sxpAtom, sxpChild } from './sxp.js';

/** xend's `xm list -l`: one (domain ...) form per domain. */
export function parseXendDomains(text: string): XenDomainConfig[] {
  const forms = readSxp(text, LONG);
  return forms.map((form, i) => {
    const bad = (why: string): ParseError => new ParseError(LONG, `domain ${i}: ${why}`);
    if (typeof form === 'string') throw bad(`bare word ${JSON.stringify(form.slice(0, 40))} outside "(domain ...)"`);
    if (form[0] !== 'domain') throw bad(`a (${typeof form[0] === 'string' ? form[0].slice(0, 40) : '...'} ...) form, not (domain ...)`);
    const count = (key: string): number | null => {
      const v = sxpAtom(form, key);
      if (v === null) return null;
      const n = safeUnsigned(v);
      if (n === null) throw bad(`(${key} ${JSON.stringify(v.slice(0, 20))}) is not an unsigned integer`);
      return n;
    };
    const name = sxpAtom(form, 'name');
    if (name === null) throw bad('no (name ...)');
    const image = sxpChild(form, 'image');
    const kind = image?.find((v): v is readonly Sxp[] => typeof v !== 'string');
    const type = kind === undefined ? null : kind[0] === 'hvm' ? 'hvm' : kind[0] === 'linux' ? 'pv' : null;
    const disks: XenDiskConfig[] = [];
    const nics: XenNicConfig[] = [];
    for (const item of form) {
      if (typeof item === 'string' || item[0] !== 'device') continue;
      const dev = item[1];
      if (dev === undefined || typeof dev === 'string') continue;
      if (dev[0] === 'vbd' || dev[0] === 'tap' || dev[0] === 'tap2') {
        let target = sxpAtom(dev, 'dev');
        let cdrom = false;
        if (target !== null) {
          if (target.startsWith('ioemu:')) target = target.slice('ioemu:'.length);
          const colon = target.indexOf(':');
          if (colon >= 0) {
            cdrom = target.slice(colon + 1) === 'cdrom';
            target = target.slice(0, colon);
          }
          if (target === '') target = null;
        }
        const mode = sxpAtom(dev, 'mode');
        disks.push({ target, ...splitUname(sxpAtom(dev, 'uname')), readonly: mode === 'r', cdrom });
      } else if (dev[0] === 'vif') {
        nics.push({ bridge: sxpAtom(dev, 'bridge'), mac: sxpAtom(dev, 'mac'), ip: sxpAtom(dev, 'ip') });
      }
    }
    return {
      name,
      domid: count('domid'),
      uuid: sxpAtom(form, 'uuid'),
      type,
      memoryMiB: count('memory'),
      maxMemoryMiB: count('maxmem'),
      vcpus: count('vcpus'),
      disks,
      nics,
    };
  });
}
