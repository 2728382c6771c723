/**
 * A domain's graphics (VNC, SPICE ...) and what each listens on, from `virsh dumpxml`. libvirt
 * writes an address listen twice, as the <graphics listen> attribute and as <listen
 * type='address' address>; an older libvirt only the attribute. A listen libvirt took from
 * qemu.conf (vnc_listen, spice_listen) has no address in the migratable XML: the destination uses
 * its own.
 */
import type { DomainGraphics } from '../../model/libvirt.js';
import { ParseError } from './parse-error.js';
import { all, attrValue, type XmlNode } from './xml-doc.js';

const P = 'virsh-domxml';

export function graphicsOf(devices: XmlNode | undefined, what: string): DomainGraphics[] {
  return all(devices, 'graphics').map((g) => {
    const type = attrValue(g, 'type', P);
    if (type === null) throw new ParseError(P, `${what}: <graphics> without type`);
    const listens = all(g, 'listen').map((l) => ({
      type: attrValue(l, 'type', P) ?? 'address',
      address: attrValue(l, 'address', P),
      network: attrValue(l, 'network', P),
    }));
    const attr = attrValue(g, 'listen', P);
    return { type, listens: listens.length > 0 || attr === null ? listens : [{ type: 'address', address: attr, network: null }] };
  });
}
