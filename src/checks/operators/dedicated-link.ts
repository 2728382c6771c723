import type { MigrationFacts } from '../../types.js';
import type { IpAddr } from '../../model/system.js';
import { duration, human, mibs } from '../units.js';
import { defineOperator, type OpResult } from './define.js';
import { list } from './values.js';

/**
 * src: migration.transfer; dst: network.ifaddrs. The address migration data goes to (the
 * destination's hostname, as libvirt uses it) should be on another interface than the one the
 * destination is managed through: a block copy saturates the link it runs on.
 */
function dedicatedLink(src: unknown, dst: unknown): OpResult {
  const t = src as MigrationFacts['transfer'];
  const addrs = list<IpAddr>(dst);
  const target = t.migrationAddresses?.[0] ?? null;
  if (target === null || t.managementAddress === null) {
    return { ok: false, undecided: 'cannot tell where migration data would go: the destination hostname did not resolve on the source, or its management address is unknown', messageId: 'migration-interface.unknown', data: {}, defaultMessage: '' };
  }
  const migIf = addrs.find((a) => a.address === target)?.ifname ?? null;
  const mgmtIf = addrs.find((a) => a.address === t.managementAddress)?.ifname ?? null;
  const data = { migrationAddress: target, migrationInterface: migIf, managementAddress: t.managementAddress, managementInterface: mgmtIf, copyBytes: t.copyBytes };
  if (migIf === null && target !== t.managementAddress) {
    return { ok: false, undecided: `the destination hostname resolves to ${target} on the source, an address the destination does not have (see network.hostname-resolution)`, messageId: 'migration-interface.unknown', data, defaultMessage: '' };
  }
  // The mirror case: the source reaches the destination through an address the destination does not
  // have (NAT, a proxy or a forwarded port), so which of its interfaces takes management traffic is unknown.
  if (mgmtIf === null && target !== t.managementAddress) {
    return { ok: false, undecided: `the source reaches the destination through ${t.managementAddress}, an address the destination does not have (NAT or a forwarded port?): which of its interfaces takes management traffic is unknown`, messageId: 'migration-interface.unknown', data, defaultMessage: '' };
  }
  if (target !== t.managementAddress && migIf !== mgmtIf) return { ok: true, messageId: 'pass', data, defaultMessage: '' };
  const load =
    t.copyBytes === null
      ? 'a block copy of disks of unknown size'
      : `the block copy of ${human(t.copyBytes)}${t.bandwidthBytesPerSec ? ` (about ${duration(t.copyBytes / t.bandwidthBytesPerSec)} at ${mibs(t.bandwidthBytesPerSec)})` : ''} and the guests' memory`;
  return {
    ok: false,
    messageId: 'migration-interface.shared',
    data,
    defaultMessage:
      `migration data would go to ${target}${migIf ? ` (${migIf})` : ''}, the interface the destination is managed through (${t.managementAddress}): ` +
      `${load} would compete with management traffic; give migration a network of its own (virsh migrate --migrateuri tcp://ADDR --disks-uri tcp://ADDR, or migration_host in the destination's qemu.conf)`,
  };
}

export const dedicatedLinkOp = defineOperator({
  name: 'dedicated-link',
  kind: 'cross',
  summary: 'migration data goes to another interface of the destination than its management one',
  params: {},
  evaluate: (src, dst) => dedicatedLink(src, dst),
});
