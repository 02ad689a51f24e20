/**
 * A declaration file (dataset, published service, category) refused at boot: the file and the JSON pointer of the
 * offending field ('' for the whole file) are named, so the author knows where to look. Each loader subclasses it
 * for its own name.
 */
export class DeclarationError extends Error {
  /** The file, as given to the loader. */
  readonly file: string
  /** JSON pointer of the offending field inside the file; '' for the whole file. */
  readonly field: string

  constructor (file: string, field: string, detail: string) {
    super(`${file}: ${field === '' ? '(file)' : field} ${detail}`)
    this.file = file
    this.field = field
  }
}
