/** The result of reading an inventory (see ../inventory.ts for the formats). */
export interface InventoryHost {
  /** The name to connect to: an ssh_config alias or [user@]host[:port] as the CLI accepts (Ansible's ansible_host/ansible_port/ansible_user folded in: user@address:port). */
  readonly target: string;
  /** The inventory's own name for the host (Ansible inventory_hostname; for a plain list the entry itself). */
  readonly name: string;
  /** Groups the host belongs to (Ansible; [] for a plain list), including parents via :children. */
  readonly groups: readonly string[];
}
export type InventoryFormat = 'list' | 'ansible-yaml' | 'ansible-ini';
export interface Inventory {
  readonly format: InventoryFormat;
  readonly hosts: readonly InventoryHost[];
}
