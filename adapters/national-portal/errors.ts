/**
 * A status change the gateway cannot translate: its local status or procedure code has no entry in the mapping
 * table in force. Nothing was sent to the portal. Retrying cannot help until the table gains the entry, so the
 * sync sends the change to its dead-letter table with this error's message as the reason.
 */

export type MappingTableName = 'status' | 'procedure'

export class UnmappedValueError extends Error {
  readonly code = 'UNMAPPED_VALUE'
  /** Which table lacks the value. */
  readonly table: MappingTableName
  /** The table's version, as the caller passed it. */
  readonly tableVersion: string
  /** The local value without an entry (or whose entry is not a well-formed national code). */
  readonly value: string
  readonly dossierCode: string
  readonly sequence: number

  constructor (table: MappingTableName, tableVersion: string, value: string, dossierCode: string, sequence: number, reason = 'has no entry') {
    super(`Local ${table} "${value}" of dossier ${dossierCode} (change ${sequence}) ${reason} in the ${table} mapping table version ${tableVersion}`)
    this.name = 'UnmappedValueError'
    this.table = table
    this.tableVersion = tableVersion
    this.value = value
    this.dossierCode = dossierCode
    this.sequence = sequence
  }
}
