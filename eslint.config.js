// ESLint 9 flat config: neostandard (the style fastify uses — no semicolons, single quotes, a space before
// function parentheses) with its TypeScript rules. Syntax only: no type-aware rules, so a lint run stays quick.
import neostandard from 'neostandard'

export default [
  ...neostandard({
    ts: true,
    ignores: ['dist/**', 'node_modules/**', '.demo/**', '.tap/**', 'vendor/**']
  }),
  {
    // A disable comment for a rule that does not fire there, or that this config does not know, is an error.
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Data literals (upstream records, mapping tables, env sets) are packed several fields to a line on purpose.
      '@stylistic/object-property-newline': 'off',
      // `void promise` as a statement marks a deliberate fire-and-forget; as an expression it stays an error.
      'no-void': ['error', { allowAsStatement: true }],
      // `field.type === typeof value` checks a declared JSON type against a value; literals are still checked.
      'valid-typeof': ['error', { requireStringLiterals: false }],
      // Loops such as `while (!stopped) await …` wait for a flag another async function sets: the rule sees only
      // the loop's own body, so every such loop would be a false alarm.
      'no-unmodified-loop-condition': 'off',
      // A variable read by a running closure before its one assignment cannot be const (it would throw).
      'prefer-const': ['error', { destructuring: 'all', ignoreReadBeforeAssign: true }]
    }
  }
]
