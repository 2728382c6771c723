// The two modules of ssh2 the check loads (ways.ts), not its index, which also loads its HTTP
// agents (node's http, https and tls), its server and its key generator.
declare module 'ssh2/lib/client.js' {
  const Client: typeof import('ssh2').Client;
  export default Client;
}
declare module 'ssh2/lib/protocol/keyParser.js' {
  const keyParser: { readonly parseKey: typeof import('ssh2').utils.parseKey };
  export default keyParser;
}
