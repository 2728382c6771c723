import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PreflightError } from '../../src/errors.js';
import { InventoryError } from '../../src/errors.js';
import { loadInventory, parseInventory, type Inventory } from '../../src/fleet/inventory.js';

const FIX = fileURLToPath(new URL('../fixtures/inventory/', import.meta.url));
const fixture = (name: string): string => join(FIX, name);
const read = (name: string): string => readFileSync(fixture(name), 'utf8');

/** Runs fn and returns the InventoryError's message (failing the test when none is thrown). */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InventoryError);
    return (e as Error).message;
  }
  return expect.unreachable('no InventoryError thrown');
}
const parse = (text: string, group?: string): Inventory => parseInventory(text, 'inv', group === undefined ? {} : { group });
const err = (text: string, group?: string): string => errorOf(() => parse(text, group));
const targets = (inv: Inventory): string[] => inv.hosts.map((h) => h.target);
const names = (inv: Inventory): string[] => inv.hosts.map((h) => h.name);
/** `name target [groups]` per host, compact for expectations. */
const rows = (inv: Inventory): string[] => inv.hosts.map((h) => `${h.name} ${h.target} [${h.groups.join(',')}]`);

describe('real inventories (test/fixtures/inventory)', () => {
  it('the Ansible guide basic INI: an ungrouped host, then two groups', () => {
    const inv = loadInventory(fixture('ansible-docs-basic.ini'));
    expect(inv.format).toBe('ansible-ini');
    expect(rows(inv)).toEqual([
      'mail.example.com mail.example.com []',
      'foo.example.com foo.example.com [webservers]',
      'bar.example.com bar.example.com [webservers]',
      'one.example.com one.example.com [dbservers]',
      'two.example.com two.example.com [dbservers]',
      'three.example.com three.example.com [dbservers]',
    ]);
    expect(names(loadInventory(fixture('ansible-docs-basic.ini'), { group: 'ungrouped' }))).toEqual(['mail.example.com']);
  });

  it('the Ansible guide YAML with hosts in several groups and parent groups: each host once, groups merged', () => {
    const inv = loadInventory(fixture('ansible-docs-parent-groups.yml'));
    expect(inv.format).toBe('ansible-yaml');
    expect(rows(inv)).toEqual([
      'mail.example.com mail.example.com []',
      'foo.example.com foo.example.com [webservers,east,prod]',
      'bar.example.com bar.example.com [webservers,west,test]',
      'one.example.com one.example.com [dbservers,east,prod]',
      'two.example.com two.example.com [dbservers,east,prod]',
      'three.example.com three.example.com [dbservers,west,test]',
    ]);
    expect(names(loadInventory(fixture('ansible-docs-parent-groups.yml'), { group: 'prod' }))).toEqual(['foo.example.com', 'one.example.com', 'two.example.com']);
    expect(names(loadInventory(fixture('ansible-docs-parent-groups.yml'), { group: 'test' }))).toEqual(['bar.example.com', 'three.example.com']);
    expect(names(loadInventory(fixture('ansible-docs-parent-groups.yml'), { group: 'ungrouped' }))).toEqual(['mail.example.com']);
    // The same hosts as the INI version of the guide's basic inventory.
    expect(names(inv)).toEqual(names(loadInventory(fixture('ansible-docs-basic.ini'))));
  });

  it('the Ansible guide groups of groups, YAML: :children nesting three deep, empty child groups', () => {
    const inv = loadInventory(fixture('ansible-docs-groups-of-groups.yml'));
    expect(rows(inv)).toEqual(['host1 host1 [usa,southeast,atlanta]', 'host2 host2 [usa,southeast,atlanta,raleigh]', 'host3 host3 [usa,southeast,raleigh]']);
    expect(names(loadInventory(fixture('ansible-docs-groups-of-groups.yml'), { group: 'raleigh' }))).toEqual(['host2', 'host3']);
    expect(names(loadInventory(fixture('ansible-docs-groups-of-groups.yml'), { group: 'usa' }))).toEqual(['host1', 'host2', 'host3']);
    const f = fixture('ansible-docs-groups-of-groups.yml');
    expect(errorOf(() => loadInventory(f, { group: 'northeast' }))).toBe(`${f}: group "northeast" has no hosts`);
  });

  it('the Ansible guide groups of groups, INI: [usa:children] names groups never declared, which Ansible refuses too', () => {
    const f = fixture('ansible-docs-groups-of-groups.ini');
    expect(errorOf(() => loadInventory(f))).toBe(`${f}:21: [usa:children] names group "northeast", which is never declared`);
    // Declaring the three missing groups makes it the YAML version's inventory.
    const fixed = parseInventory(`${read('ansible-docs-groups-of-groups.ini')}\n[northeast]\n[southwest]\n[northwest]\n`, f);
    const sorted = (inv: Inventory): string[] => inv.hosts.map((h) => `${h.name} ${h.target} ${[...h.groups].sort().join(',')}`);
    expect(sorted(fixed)).toEqual(sorted(loadInventory(fixture('ansible-docs-groups-of-groups.yml'))));
  });

  it("Ansible's yaml inventory plugin EXAMPLES: a host without a colon, a host in two places, ansible_host", () => {
    const inv = loadInventory(fixture('ansible-yaml-plugin-examples.yml'));
    expect(inv.format).toBe('ansible-yaml');
    expect(rows(inv)).toEqual([
      'test1 test1 [last_group]',
      'test2 test2 []',
      'test5 test5 [other_group,group_x]',
      'test6 test6 [other_group,group_y]',
      'test4 127.0.0.1 [other_group]',
    ]);
    expect(names(loadInventory(fixture('ansible-yaml-plugin-examples.yml'), { group: 'other_group' }))).toEqual(['test5', 'test6', 'test4']);
  });

  it("Ansible's ini inventory plugin EXAMPLES 1: inline port, trailing comments, [web:children] declared before its children", () => {
    const inv = loadInventory(fixture('ansible-ini-plugin-example1.ini'));
    expect(inv.format).toBe('ansible-ini');
    expect(rows(inv)).toEqual([
      'host1 host1 [web]',
      'host2 host2:222 [web]',
      'tomcat1 tomcat1 [web,apache]',
      'tomcat2 tomcat2 [web,apache]',
      'tomcat3 tomcat3 [web,apache]',
      'jenkins1 jenkins1 [web,nginx]',
    ]);
    expect(names(loadInventory(fixture('ansible-ini-plugin-example1.ini'), { group: 'nginx' }))).toEqual(['jenkins1']);
  });

  it("Ansible's ini inventory plugin EXAMPLES 2: one address, two ports; one host in two groups", () => {
    const inv = loadInventory(fixture('ansible-ini-plugin-example2.ini'));
    expect(rows(inv)).toEqual(['host1 host1 []', 'host2 127.0.0.1:44 []', 'host3 127.0.0.1:45 []', 'host4 host4 [g1,g2]']);
    expect(names(loadInventory(fixture('ansible-ini-plugin-example2.ini'), { group: 'ungrouped' }))).toEqual(['host1', 'host2', 'host3']);
  });

  it('a Proxmox VE inventory (t3knoid/ansible): quoted inline vars, trailing blanks, an empty group among children', () => {
    const inv = loadInventory(fixture('t3knoid-pve-inventory.ini'));
    expect(rows(inv)).toEqual([
      'pve-0 pve-0 [pvenodes,linux,pbs,cname,ceph_nodes]',
      'pve-1 pve-1 [pvenodes,linux,pbs,ceph_nodes]',
      'pve-2 pve-2 [pvenodes,linux,pbs,template,cname,ceph_nodes]',
      'rproxy-0 rproxy-0 [rproxy_main,rproxy,certs]',
      'rproxy-1 rproxy-1 [rproxy_primary,rproxy]',
      'rproxy-2 rproxy-2 [rproxy_secondary,rproxy]',
    ]);
    expect(names(loadInventory(fixture('t3knoid-pve-inventory.ini'), { group: 'pbs' }))).toEqual(['pve-0', 'pve-1', 'pve-2']);
    expect(names(loadInventory(fixture('t3knoid-pve-inventory.ini'), { group: 'rproxy' }))).toEqual(['rproxy-0', 'rproxy-1', 'rproxy-2']);
  });

  it('a real inventory with a misplaced ":children" ([DB_ALL]:children) fails at that line', () => {
    const f = fixture('zas-post-example-hosts-inventory.txt');
    expect(errorOf(() => loadInventory(f))).toBe(`${f}:37: bad section header "[DB_ALL]:children": expected [group], [group:vars] or [group:children], without blanks`);
  });

  it('the same inventory, that line corrected: group vars (with blanks around "=") fold into user@address:port', () => {
    const inv = parseInventory(read('zas-post-example-hosts-inventory.txt').replace('[DB_ALL]:children', '[DB_ALL:children]'), 'zas');
    expect(inv.hosts).toHaveLength(17);
    expect(rows(parseInventory(read('zas-post-example-hosts-inventory.txt').replace('[DB_ALL]:children', '[DB_ALL:children]'), 'zas', { group: 'ANOTHER' }))).toEqual([
      '192.168.1.1 192.168.1.1 [staging_DB,staging_ALL,DB_ALL,ANOTHER]',
      '192.168.1.2 192.168.1.2 [staging_DB,staging_ALL,DB_ALL,ANOTHER]',
      '192.168.3.1 192.168.3.1 [staging_APP,staging_ALL,APP_ALL,ANOTHER]',
      '192.168.3.2 192.168.3.2 [staging_APP,staging_ALL,APP_ALL,ANOTHER]',
      '10.10.1.1 10.10.1.1 [prod_DB,prod_ALL,DB_ALL,ANOTHER]',
      '10.10.1.2 10.10.1.2 [prod_DB,prod_ALL,DB_ALL,ANOTHER]',
      '10.10.3.1 10.10.3.1 [prod_APP,prod_ALL,APP_ALL,ANOTHER]',
      '10.10.3.2 10.10.3.2 [prod_APP,prod_ALL,APP_ALL,ANOTHER]',
    ]);
    expect(inv.hosts.slice(-5).map((h) => `${h.name} ${h.target}`)).toEqual([
      'linuxX ec2-user@172.31.8.69',
      'linux1 ec2-user@172.31.27.16',
      'linux2 ec2-user@172.31.19.188',
      'windows2012 myadmin@172.31.4.99:5986',
      'windows2016 myadmin@172.31.13.170:5986',
    ]);
  });
});

describe('format detection (by content)', () => {
  it('a top-level YAML list of targets is a plain list; entries are taken literally', () => {
    const inv = parse('# hypervisors\n- hv1\n- root@hv2:2222\n- "[fe80::1]:22"\n');
    expect(inv).toEqual({
      format: 'list',
      hosts: [
        { target: 'hv1', name: 'hv1', groups: [] },
        { target: 'root@hv2:2222', name: 'root@hv2:2222', groups: [] },
        { target: '[fe80::1]:22', name: '[fe80::1]:22', groups: [] },
      ],
    });
  });
  it('hosts: [...] with strings and {name, target} mappings is a plain list', () => {
    const inv = parse('hosts:\n  - hv1\n  - name: hv2\n    target: root@10.0.0.2:2222\n  - {name: hv3}\n');
    expect(inv.format).toBe('list');
    expect(rows(inv)).toEqual(['hv1 hv1 []', 'hv2 root@10.0.0.2:2222 []', 'hv3 hv3 []']);
  });
  it('a top-level group called "hosts" (a mapping) is an Ansible group, not a plain list', () => {
    const inv = parse('hosts:\n  hosts:\n    hv1:\n');
    expect(inv.format).toBe('ansible-yaml');
    expect(rows(inv)).toEqual(['hv1 hv1 [hosts]']);
  });
  it('INI without any section, and INI whose first lines are ";" comments', () => {
    expect(parse('hv1\nhv2 ansible_port=2222\n')).toEqual({ format: 'ansible-ini', hosts: [{ target: 'hv1', name: 'hv1', groups: [] }, { target: 'hv2:2222', name: 'hv2', groups: [] }] });
    expect(parse('; managed by hand\n[kvm]\nhv1\n').format).toBe('ansible-ini');
    expect(parse('hv1 ansible_host=10.0.0.1\n\n[kvm]\nhv2\n').format).toBe('ansible-ini');
  });
  it('a leading UTF-8 BOM and CRLF line ends are fine', () => {
    expect(rows(parse('\uFEFF[kvm]\r\nhv1 ansible_user=root\r\n'))).toEqual(['hv1 root@hv1 [kvm]']);
    expect(rows(parse('\uFEFFall:\r\n  hosts:\r\n    hv1:\r\n'))).toEqual(['hv1 hv1 []']);
  });
});

describe('host ranges', () => {
  it('zero padding is kept: hv[01:32].example.com gives 32 hosts hv01..hv32', () => {
    const inv = parse('[kvm]\nhv[01:32].example.com\n');
    expect(inv.hosts).toHaveLength(32);
    expect(names(inv).slice(0, 3)).toEqual(['hv01.example.com', 'hv02.example.com', 'hv03.example.com']);
    expect(names(inv)[31]).toBe('hv32.example.com');
  });
  it('no padding without a leading zero; a stride; an empty begin means 0', () => {
    expect(names(parse('all:\n  hosts:\n    hv[8:11]:\n'))).toEqual(['hv8', 'hv9', 'hv10', 'hv11']);
    expect(names(parse('[kvm]\nhv[1:10:2]\n'))).toEqual(['hv1', 'hv3', 'hv5', 'hv7', 'hv9']);
    expect(names(parse('[kvm]\nwww[01:50:2].example.com\n'))).toHaveLength(25);
    expect(names(parse('[kvm]\nhv[:2]\n'))).toEqual(['hv0', 'hv1', 'hv2']);
  });
  it('letters, lower then upper case, with a stride', () => {
    expect(names(parse('[db]\ndb-[a:f].example.com\n'))).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((c) => `db-${c}.example.com`));
    expect(names(parse('[db]\nn[x:B]\n'))).toEqual(['nx', 'ny', 'nz', 'nA', 'nB']);
    expect(names(parse('[db]\nn[a:e:2]\n'))).toEqual(['na', 'nc', 'ne']);
  });
  it('several ranges in one name, the first outermost; a port after a range applies to each host; vars to each', () => {
    expect(names(parse('[kvm]\nr[1:2]-hv[a:b]\n'))).toEqual(['r1-hva', 'r1-hvb', 'r2-hva', 'r2-hvb']);
    expect(rows(parse('[kvm]\nhv[1:2]:2222 ansible_user=root\n'))).toEqual(['hv1 root@hv1:2222 [kvm]', 'hv2 root@hv2:2222 [kvm]']);
    expect(rows(parse('kvm:\n  hosts:\n    hv[1:2].lab:\n      ansible_user: ops\n'))).toEqual(['hv1.lab ops@hv1.lab [kvm]', 'hv2.lab ops@hv2.lab [kvm]']);
  });
  it('bracketed and bare IPv6 addresses are not ranges', () => {
    expect(rows(parse('[kvm]\n[2001:db8::1]:2222\nfe80::2\n'))).toEqual(['2001:db8::1 [2001:db8::1]:2222 [kvm]', 'fe80::2 fe80::2 [kvm]']);
  });
  it('bad ranges are errors at their line', () => {
    expect(err('[kvm]\nhv1\nhv[01:100]\n')).toBe('inv:3: bad host range "[01:100]" in "hv[01:100]": a zero-padded begin needs an end of the same length');
    expect(err('[kvm]\nhv[5:1]\n')).toBe('inv:2: bad host range "[5:1]" in "hv[5:1]": begin is greater than end (an empty range)');
    expect(err('[kvm]\nhv[c:a]\n')).toBe('inv:2: bad host range "[c:a]" in "hv[c:a]": begin comes after end');
    expect(err('[kvm]\nhv[a:3]\n')).toBe('inv:2: bad host range "[a:3]" in "hv[a:3]": begin and end must both be numbers or both single letters');
    expect(err('[kvm]\nhv[1:5:0]\n')).toBe('inv:2: bad host range "[1:5:0]" in "hv[1:5:0]": step "0" is not a positive integer');
    expect(err('[kvm]\nhv[1:]\n')).toBe('inv:2: bad host range "[1:]" in "hv[1:]": no end');
    expect(err('[kvm]\nhv[7]\n')).toBe('inv:2: bad host range "[7]" in "hv[7]": expected [begin:end] or [begin:end:step]');
    expect(err('[kvm]\nhv[1:2:3:4]\n')).toBe('inv:2: bad host range "[1:2:3:4]" in "hv[1:2:3:4]": expected [begin:end] or [begin:end:step]');
    expect(err('all:\n  hosts:\n    hv[1:3:\n')).toBe('inv:3: bad host pattern "hv[1:3": "[" without "]"');
    expect(err('[kvm]\nhv1]\n')).toBe('inv:2: bad host pattern "hv1]": "]" without "["');
  });
  it('a range that would give more than 10000 hosts is refused', () => {
    expect(err('[kvm]\nhv[0:10000]\n')).toBe('inv:2: host pattern "hv[0:10000]" expands to more than 10000 hosts');
    expect(err('[kvm]\nhv[0:999][0:99]\n')).toBe('inv:2: host pattern "hv[0:999][0:99]" expands to more than 10000 hosts');
  });
});

describe('connection variables and inheritance', () => {
  it('a group ansible_user applies to its hosts and its children\'s hosts; a host var wins; all is lowest', () => {
    const yaml = [
      'all:',
      '  vars:',
      '    ansible_user: nobody',
      '    ansible_port: 22',
      '  children:',
      '    kvm:',
      '      vars:',
      '        ansible_user: admin',
      '      children:',
      '        rack1:',
      '          vars:',
      '            ansible_port: 2201',
      '          hosts:',
      '            hv1:',
      '            hv2:',
      '              ansible_user: root',
      '              ansible_port: 2222',
      '      hosts:',
      '        hv3:',
      '    other:',
      '      hosts:',
      '        hv4:',
    ].join('\n');
    expect(rows(parse(yaml))).toEqual(['hv1 admin@hv1:2201 [kvm,rack1]', 'hv2 root@hv2:2222 [kvm,rack1]', 'hv3 admin@hv3:22 [kvm]', 'hv4 nobody@hv4:22 [other]']);
  });
  it('the same in INI: [all:vars], [g:vars], [g:children] and inline vars', () => {
    const ini = '[all:vars]\nansible_user=nobody\n\n[kvm:children]\nrack1\n\n[kvm:vars]\nansible_user=admin\n\n[rack1]\nhv1\nhv2 ansible_user=root ansible_port=2222\n\n[rack1:vars]\nansible_port=2201\n\n[other]\nhv4\n';
    expect(rows(parse(ini))).toEqual(['hv1 admin@hv1:2201 [kvm,rack1]', 'hv2 root@hv2:2222 [kvm,rack1]', 'hv4 nobody@hv4 [other]']);
  });
  it('groups at the same depth: later by name wins, unless ansible_group_priority says otherwise', () => {
    const base = 'a_group:\n  hosts:\n    hv1:\n  vars:\n    ansible_user: a\nb_group:\n  hosts:\n    hv1:\n  vars:\n    ansible_user: b\n';
    expect(targets(parse(base))).toEqual(['b@hv1']);
    expect(targets(parse(base.replace('ansible_user: a', 'ansible_user: a\n    ansible_group_priority: 10')))).toEqual(['a@hv1']);
  });
  it('a host listed twice keeps its last value of a variable', () => {
    expect(targets(parse('[a]\nhv1 ansible_user=first\n[b]\nhv1 ansible_user=second\n'))).toEqual(['second@hv1']);
  });
  it('legacy ansible_ssh_host/port/user, and when both spellings are set the ssh_ one wins (as Ansible)', () => {
    expect(targets(parse('all:\n  hosts:\n    nodo1:\n      ansible_ssh_host: 192.168.1.10\n      ansible_ssh_user: usuario\n      ansible_ssh_port: 2200\n'))).toEqual(['usuario@192.168.1.10:2200']);
    expect(targets(parse('[kvm]\nhv1 ansible_host=10.0.0.1 ansible_ssh_host=10.0.0.2 ansible_port=1 ansible_ssh_port=2 ansible_user=u ansible_ssh_user=v\n'))).toEqual(['v@10.0.0.2:2']);
    expect(targets(parse('[kvm]\nhv1 ansible_user=hostuser\n[kvm:vars]\nansible_ssh_user=groupuser\n'))).toEqual(['groupuser@hv1']);
  });
  it('a port in the host pattern, overridden by ansible_port; IPv6 addresses get brackets with a port', () => {
    expect(targets(parse('[kvm]\nbadwolf.example.com:5309\nhv2:2222 ansible_port=2200\n'))).toEqual(['badwolf.example.com:5309', 'hv2:2200']);
    expect(targets(parse('all:\n  hosts:\n    hv1:\n      ansible_host: "2001:db8::5"\n      ansible_port: 2222\n    hv2:\n      ansible_host: "2001:db8::6"\n'))).toEqual([
      '[2001:db8::5]:2222',
      '2001:db8::6',
    ]);
  });
  it('the guide\'s inventory alias: jumper goes to 192.0.2.50:5555 (INI and YAML)', () => {
    expect(rows(parse('jumper ansible_port=5555 ansible_host=192.0.2.50\n'))).toEqual(['jumper 192.0.2.50:5555 []']);
    expect(rows(parse('all:\n  hosts:\n    jumper:\n      ansible_port: 5555\n      ansible_host: 192.0.2.50\n'))).toEqual(['jumper 192.0.2.50:5555 []']);
  });
  it('a YAML null hides a group value and leaves the variable unset, as in Ansible', () => {
    expect(targets(parse('kvm:\n  vars:\n    ansible_user: admin\n  hosts:\n    hv1:\n      ansible_user: ~\n      ansible_host:\n    hv2:\n'))).toEqual(['hv1', 'admin@hv2']);
  });
  it('INI quoted values: inline values split like a shell, [g:vars] values lose one level of quotes', () => {
    expect(targets(parse(`[kvm]\nhv1 ansible_user="root" ansible_host='10.0.0.1' note="a b # c" # comment\nhv2 ansible_host=10.0.0.2 note=a\\ b\n[kvm:vars]\nansible_port = "2222"\n`))).toEqual([
      'root@10.0.0.1:2222',
      '10.0.0.2:2222',
    ]);
    expect(targets(parse(`[kvm]\nhv1 ansible_user="'ops'"\n[kvm:vars]\nansible_host='10.0.0.9'\n`))).toEqual(['ops@10.0.0.9']);
  });
  it('YAML anchors, aliases and << merge keys', () => {
    const yaml = 'kvm:\n  vars: &defaults\n    ansible_user: root\n    ansible_port: 2222\n  hosts:\n    hv1:\n    hv2:\n      <<: *defaults\n      ansible_port: 22\nother:\n  vars: *defaults\n  hosts:\n    hv3:\n';
    expect(targets(parse(yaml))).toEqual(['root@hv1:2222', 'root@hv2:22', 'root@hv3:2222']);
  });
  it('other tags (an Ansible !vault on a password) are fine where they are not needed', () => {
    const yaml = 'kvm:\n  hosts:\n    hv1:\n      ansible_become_password: !vault |\n        $ANSIBLE_VAULT;1.1;AES256\n        3132\n      ansible_user: !!str root\n';
    expect(targets(parse(yaml))).toEqual(['root@hv1']);
  });
});

describe('--group, duplicates', () => {
  it('selects a group with its children; an unknown group names the file and the groups there are', () => {
    const ini = '[rack1]\nhv1\n[rack2]\nhv2\n[kvm:children]\nrack1\nrack2\n[xen]\nxen1\n';
    expect(names(parse(ini, 'kvm'))).toEqual(['hv1', 'hv2']);
    expect(names(parse(ini, 'rack2'))).toEqual(['hv2']);
    expect(names(parse(ini, 'all'))).toEqual(['hv1', 'hv2', 'xen1']);
    expect(err(ini, 'vmware')).toBe('inv: unknown group "vmware"; the inventory has: all, ungrouped, rack1, rack2, kvm, xen');
    expect(err(ini, 'ungrouped')).toBe('inv: group "ungrouped" has no hosts');
  });
  it('a plain list has only the group "all"', () => {
    expect(names(parse('- hv1\n', 'all'))).toEqual(['hv1']);
    expect(err('- hv1\n', 'kvm')).toBe('inv: unknown group "kvm"; a plain host list has no groups (only "all")');
  });
  it('hosts with the same target after folding are kept once, the first name, groups merged', () => {
    const ini = '[a]\nhv1 ansible_host=10.0.0.1\n[b]\nhv1-alias ansible_host=10.0.0.1\nhv2\n';
    expect(rows(parse(ini))).toEqual(['hv1 10.0.0.1 [a,b]', 'hv2 hv2 [b]']);
    expect(rows(parse(ini, 'b'))).toEqual(['hv1-alias 10.0.0.1 [b]', 'hv2 hv2 [b]']);
    expect(rows(parse('- hv1\n- hv2\n- hv1\n'))).toEqual(['hv1 hv1 []', 'hv2 hv2 []']);
  });
});

describe('errors: one line, <file>:<line>: <what>', () => {
  it('is an InventoryError: MP_INVENTORY, exit code 2, a PreflightError', () => {
    try {
      parse('');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PreflightError);
      expect(e).toMatchObject({ code: 'MP_INVENTORY', exitCode: 2, name: 'InventoryError' });
    }
  });
  it('no hosts', () => {
    expect(err('')).toBe('inv:1: no hosts: the inventory is empty');
    expect(err('# nothing yet\n\n; really\n')).toBe('inv:1: no hosts: the inventory is empty');
    expect(err('[kvm]\n[xen]\n')).toBe('inv:1: no hosts in the inventory');
    expect(err('all:\n  children:\n    kvm:\n')).toBe('inv:1: no hosts in the inventory');
    expect(err('hosts: []\n')).toBe('inv:1: no hosts in the inventory');
  });
  it('a file that cannot be read', () => {
    const f = fixture('no-such-file.ini');
    expect(errorOf(() => loadInventory(f))).toBe(`${f}: cannot read inventory: ENOENT`);
  });
  it('YAML syntax, duplicate keys, several documents, unknown aliases', () => {
    expect(err('all:\n  hosts:\n    hv1:\n   bad: [\n')).toMatch(/^inv:4: bad YAML: /);
    expect(err('all:\n  hosts:\n    hv1:\n    hv1:\n')).toBe('inv:4: duplicate key "hv1"');
    expect(err('all:\n  hosts:\n    hv1:\n---\nall:\n  hosts:\n    hv2:\n')).toBe('inv:3: more than one YAML document (---) in the inventory');
    expect(err('kvm:\n  vars: *nope\n')).toBe('inv:2: unknown YAML alias *nope');
    expect(err('? [a, b]\n: c\n')).toBe('inv:1: a mapping key must be a plain string, not a mapping or list');
  });
  it('plain list entries', () => {
    expect(err('- hv1\n- [a, b]\n')).toBe('inv:2: a host list entry must be a string or a {name, target} mapping, not a list');
    expect(err('- hv1\n- ~\n')).toBe('inv:2: a host list entry must be a string or a {name, target} mapping, not null');
    expect(err('hosts:\n  - target: hv1\n')).toBe('inv:2: host entry without "name"');
    expect(err('hosts:\n  - name: hv1\n    port: 22\n')).toBe('inv:3: unexpected key "port" in a host entry (expected name and target)');
    expect(err('hosts:\n  - name: hv1\n    target: [a]\n')).toBe('inv:3: "target" must be a string, not a list');
    expect(err('hosts:\n  - hv1\nvars:\n  a: 1\n')).toBe('inv:3: unexpected key "vars" in a host list (only "hosts")');
  });
  it('not an inventory: an inventory plugin configuration, ansible-inventory --list JSON, a bare YAML list of lists', () => {
    expect(err('plugin: community.general.proxmox\nurl: https://pve:8006\n')).toBe(
      'inv:1: this is the configuration of the inventory plugin "community.general.proxmox", not an inventory; export one with: ansible-inventory -i FILE --list --yaml',
    );
    expect(err('{"_meta": {"hostvars": {}}, "all": {"children": ["ungrouped"]}}\n')).toBe(
      'inv:1: this looks like `ansible-inventory --list` (JSON) output; export the YAML inventory instead with: ansible-inventory -i FILE --list --yaml',
    );
  });
  it('Ansible YAML structure', () => {
    expect(err('kvm: hv1\n')).toBe('inv:1: group "kvm" must be a mapping with hosts, children or vars, not the string "hv1"');
    expect(err('kvm:\n  host:\n    hv1:\n')).toBe('inv:2: unexpected key "host" in group "kvm" (a group has hosts, children and vars)');
    expect(err('kvm:\n  hosts:\n    - hv1\n    - hv2\n')).toBe('inv:3: hosts of group "kvm" must be a mapping (host names ending in ":", one per line), not a list');
    expect(err('kvm:\n  children:\n    - rack1\n')).toBe('inv:3: children of group "kvm" must be a mapping (child group names ending in ":"), not a list');
    expect(err('kvm:\n  vars: root\n  hosts:\n    hv1:\n')).toBe('inv:2: vars of group "kvm" must be a mapping of variables, not the string "root"');
    expect(err('kvm:\n  hosts:\n    hv1: root@hv1\n')).toBe('inv:3: host "hv1" must be a mapping of variables, not the string "root@hv1"');
    expect(err('a:\n  children:\n    b:\n      children:\n        a:\n')).toBe('inv:5: group "a" cannot be a child of "b": "b" is already among its children (a loop)');
    expect(err('a:\n  children:\n    all:\n')).toBe('inv:3: group "all" cannot be a child of "a"');
    expect(err('kvm:\n  hosts:\n    "hv 1":\n')).toBe('inv:3: host name "hv 1" contains whitespace or control characters');
  });
  it('INI structure', () => {
    expect(err('[kvm:host]\nhv1\n')).toBe('inv:1: section [kvm:host] has unknown type "host" (expected children or vars)');
    expect(names(parse('[kvm:hosts]\nhv1\n'))).toEqual(['hv1']); // an explicit :hosts, which Ansible accepts too
    expect(err('[kvm]\nhv1\n[xen hosts]\n')).toBe('inv:3: bad section header "[xen hosts]": expected [group], [group:vars] or [group:children], without blanks');
    expect(err('[kvm]\nhv1 root\n')).toBe('inv:2: expected key=value after the host, got "root"');
    expect(err('[kvm]\nhv1 ansible_user="root\n')).toBe('inv:2: no closing quotation in "hv1 ansible_user=\\"root"');
    expect(err('[kvm]\nhv1:\n')).toBe('inv:2: bad host pattern "hv1:": a ":" must be followed by a port');
    expect(err('[kvm]\nhv1\n[kvm:vars]\nansible_user\n')).toBe('inv:4: expected key=value in [kvm:vars], got "ansible_user"');
    expect(err('[kvm]\nhv1\n[dc:children]\nkvm xen\n')).toBe('inv:4: bad group name "kvm xen" in [dc:children]');
    expect(err('[kvm]\nhv1\n[xen:vars]\nansible_user=root\n')).toBe('inv:3: [xen:vars] for group "xen", which is never declared');
    expect(err('[a:children]\nb\n[b:children]\na\n')).toBe('inv:4: group "a" cannot be a child of "b": "b" is already among its children (a loop)');
  });
  it('targets ssh would misread, or that are not [user@]host[:port]', () => {
    expect(err('[kvm]\nhv1 ansible_host="10.0.0.1 -oProxyCommand=x"\n')).toBe('inv:2: ansible_host "10.0.0.1 -oProxyCommand=x" of host "hv1" contains whitespace or control characters');
    expect(err('[kvm]\nhv1 ansible_host=-oProxyCommand=x\n')).toBe('inv:2: ansible_host "-oProxyCommand=x" of host "hv1" starts with "-" (ssh would read it as an option)');
    expect(err('[kvm]\n-hv1\n')).toBe('inv:2: host name "-hv1" starts with "-" (ssh would read it as an option)');
    expect(err('[kvm]\nhv1\n[kvm:vars]\nansible_user=-lroot\n')).toBe('inv:4: ansible_user "-lroot" of host "hv1" starts with "-" (ssh would read it as an option)');
    expect(err('kvm:\n  hosts:\n    hv1:\n      ansible_user: "ro\\tot"\n')).toBe('inv:4: ansible_user "ro\\tot" of host "hv1" contains whitespace or control characters');
    expect(err('kvm:\n  hosts:\n    "hv\\u0007":\n')).toBe('inv:3: host name "hv\\u0007" contains control characters');
    expect(err('kvm:\n  hosts:\n    hv1:\n      ansible_user: ""\n')).toBe('inv:4: ansible_user "" of host "hv1" is empty');
    expect(err('[kvm]\nhv1 ansible_port=ssh\n')).toBe('inv:2: ansible_port "ssh" of host "hv1" is not a port number (1-65535)');
    expect(err('[kvm]\nhv1:70000\n')).toBe('inv:2: ansible_port "70000" of host "hv1" is not a port number (1-65535)');
    expect(err('kvm:\n  hosts:\n    hv1:\n      ansible_host: hv]1\n')).toBe(
      'inv:4: host "hv1" gives target "hv]1", which is not [user@]host[:port]: bad host "hv]1": expected [user@]host[:port] or an ssh_config alias',
    );
    expect(err('- "root@hv1 -v"\n')).toBe('inv:1: target "root@hv1 -v" contains whitespace or control characters');
    expect(err('- -oProxyCommand=x\n')).toBe('inv:1: target "-oProxyCommand=x" starts with "-" (ssh would read it as an option)');
    expect(err('- hv1\n- "hv2:99999"\n')).toBe('inv:2: target "hv2:99999" is not [user@]host[:port] or an ssh_config alias: bad port in "hv2:99999"');
  });
  it('connection variables that cannot be used as they are: templates, vault, mappings', () => {
    expect(err('kvm:\n  vars:\n    ansible_user: "{{ vault_user }}"\n  hosts:\n    hv1:\n')).toBe(
      'inv:3: ansible_user of host "hv1" is a Jinja2 template ("{{ vault_user }}"), which migrate-preflight does not evaluate',
    );
    expect(err('kvm:\n  hosts:\n    hv1:\n      ansible_host: !vault |\n        $ANSIBLE_VAULT;1.1;AES256\n')).toBe(
      'inv:5: ansible_host of host "hv1" is vault-encrypted, which migrate-preflight cannot decrypt',
    );
    expect(err('kvm:\n  hosts:\n    hv1:\n      ansible_host:\n        - 10.0.0.1\n')).toBe('inv:5: ansible_host of host "hv1" must be a string, not a mapping or list');
  });
});
