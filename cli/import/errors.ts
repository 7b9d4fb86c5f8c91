/** Input that cannot be imported: one line per problem, nothing is written. */
export class ImportError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join("\n"));
  }
}
