import { MosquittoPasswordHash } from './mosquitto-password';

/** ACL kinds of Mosquitto 2.0's dynamic security plugin. */
export type DynsecAclType =
  | 'publishClientSend'
  | 'publishClientReceive'
  | 'subscribeLiteral'
  | 'subscribePattern'
  | 'unsubscribeLiteral'
  | 'unsubscribePattern';

export interface DynsecAcl {
  acltype: DynsecAclType;
  topic: string;
  allow: boolean;
}

export interface DynsecRole {
  rolename: string;
  acls: DynsecAcl[];
}

export interface DynsecClient {
  username: string;
  /** When set, the broker refuses this identity under any other client id. */
  clientid?: string;
  password: MosquittoPasswordHash;
  roles: string[];
}

/** What the plugin allows when no ACL of a client's roles matches. */
export interface DynsecDefaultAccess {
  publishClientSend: boolean;
  publishClientReceive: boolean;
  subscribe: boolean;
  unsubscribe: boolean;
}

/**
 * Deny by default: nobody publishes or subscribes without a grant. Receiving stays open because
 * a client only receives what a granted subscription matches; unsubscribing is harmless.
 */
export const DENY_BY_DEFAULT: DynsecDefaultAccess = {
  publishClientSend: false,
  publishClientReceive: true,
  subscribe: false,
  unsubscribe: true,
};

/**
 * The plugin's configuration file (`plugin_opt_config_file`) as JSON text. Built entry by entry
 * so that 100,000 identities do not first become one large object tree.
 */
export function dynsecConfigJson(config: {
  defaultAccess: DynsecDefaultAccess;
  clients: Iterable<DynsecClient>;
  roles: Iterable<DynsecRole>;
}): string {
  const clients: string[] = [];
  for (const c of config.clients) {
    clients.push(
      JSON.stringify({
        username: c.username,
        ...(c.clientid === undefined ? {} : { clientid: c.clientid }),
        password: c.password.hash.toString('base64'),
        salt: c.password.salt.toString('base64'),
        iterations: c.password.iterations,
        roles: c.roles.map((rolename) => ({ rolename })),
      }),
    );
  }
  const roles: string[] = [];
  for (const r of config.roles) {
    roles.push(JSON.stringify(r));
  }
  return (
    `{"defaultACLAccess":${JSON.stringify(config.defaultAccess)},` +
    `"clients":[\n${clients.join(',\n')}\n],"groups":[],` +
    `"roles":[\n${roles.join(',\n')}\n]}\n`
  );
}
