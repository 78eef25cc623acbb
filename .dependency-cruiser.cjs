/**
 * Dependency rules for Parley, checked by `npm run lint:deps` (part of `npm test`).
 *
 * Why these rules: the layers only stay readable if the arrows keep pointing one way.
 * `proto/` is the wire format and must not know its users; `crdt/` and `keys/` are pure
 * cores that build on the wire format only; the client and the relay share code through
 * those cores, never by reaching into each other; and the harnesses in `test/` and `bench/`
 * drive the code but are never part of it. A cycle makes module order matter at load time
 * and hides which of two modules is the real owner of a type, so none is allowed.
 *
 * Only our own modules are checked here (`node_modules` is neither followed nor linted).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import cycle: move the shared type or function to the module that owns it.',
      from: {},
      // Type-only imports count too: a type cycle still means two modules claim one concept.
      to: { circular: true },
    },
    {
      name: 'proto-imports-nothing-of-ours',
      severity: 'error',
      comment: 'proto/ is the wire format: it may use its generated code (proto/gen) and itself only.',
      from: { path: '^proto/' },
      to: { pathNot: ['^proto/', '^node_modules/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'crdt-and-keys-import-only-proto',
      severity: 'error',
      comment: 'crdt/ and keys/ are pure cores: they build on proto/ and on themselves only.',
      from: { path: '^(crdt|keys)/' },
      to: { pathNot: ['^proto/', '^$1/', '^node_modules/'], dependencyTypesNot: ['core'] },
    },
    {
      // files-core (issue 16)
      name: 'files-imports-only-proto',
      severity: 'error',
      comment: 'files/ is the pure swarm core the browser and node peers share: it builds on proto/ only.',
      from: { path: '^files/' },
      to: { pathNot: ['^proto/', '^files/', '^node_modules/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'client-does-not-import-relay',
      severity: 'error',
      comment: 'The client and the relay share code through proto/, crdt/ and keys/ only.',
      from: { path: '^client/' },
      to: { path: '^relay/' },
    },
    {
      name: 'relay-does-not-import-client',
      severity: 'error',
      comment: 'The client and the relay share code through proto/, crdt/ and keys/ only.',
      from: { path: '^relay/' },
      to: { path: '^client/' },
    },
    {
      name: 'harnesses-are-not-imported',
      severity: 'error',
      comment: 'test/ and bench/ drive the code; product code never imports them.',
      from: { pathNot: '^(test|bench)/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve would make every rule above blind to it.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^node_modules/', '^dist/', '^proto/gen/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
