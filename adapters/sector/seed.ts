import { syntheticPopulation, type SyntheticPopulation } from '../shared/synthetic-people.js'
import type { SqlStatements } from './sql-source.js'
import { syntheticEnterprises, syntheticLandParcels, type EnterpriseRegistration, type LandParcel } from './synthetic.js'

/**
 * The sector tables the demo and the tests serve: the land register's parcels and the enterprise register,
 * created and filled deterministically from a seed. Each table is filled by one statement whose rows travel as
 * a single jsonb parameter (jsonb_to_recordset): thousands of rows in milliseconds, nothing spliced into SQL.
 * Seeding again is harmless: existing rows are kept (ON CONFLICT DO NOTHING).
 *
 * Ids are `COLLATE "C"` so that keyset order is byte order on every server, whatever its default locale.
 */

export const SECTOR_TABLES_SQL = `
CREATE TABLE IF NOT EXISTS land_parcels (
  parcel_id text COLLATE "C" PRIMARY KEY,
  province_code text NOT NULL,
  province_name text NOT NULL,
  commune_code text NOT NULL,
  commune_name text NOT NULL,
  map_sheet_no integer NOT NULL CHECK (map_sheet_no > 0),
  parcel_no integer NOT NULL CHECK (parcel_no > 0),
  area_m2 numeric(12, 1) NOT NULL CHECK (area_m2 > 0),
  land_use_type text NOT NULL,
  land_use_type_name text NOT NULL,
  owner_personal_id text NOT NULL,
  owner_name text NOT NULL,
  certificate_no text,
  registered_date date NOT NULL,
  UNIQUE (commune_code, map_sheet_no, parcel_no)
);
CREATE INDEX IF NOT EXISTS land_parcels_owner ON land_parcels (owner_personal_id, parcel_id);
CREATE INDEX IF NOT EXISTS land_parcels_commune ON land_parcels (commune_code, parcel_id);

CREATE TABLE IF NOT EXISTS enterprise_registrations (
  enterprise_code text COLLATE "C" PRIMARY KEY CHECK (enterprise_code ~ '^[0-9]{10}$'),
  name text NOT NULL UNIQUE,
  enterprise_type text NOT NULL,
  enterprise_type_name text NOT NULL,
  legal_representative_name text NOT NULL,
  legal_representative_personal_id text NOT NULL,
  head_office_address text NOT NULL,
  commune_code text NOT NULL,
  commune_name text NOT NULL,
  province_code text NOT NULL,
  province_name text NOT NULL,
  registered_capital_vnd bigint NOT NULL CHECK (registered_capital_vnd >= 0),
  status text NOT NULL CHECK (status IN ('active', 'suspended', 'dissolved')),
  registration_date date NOT NULL,
  vsic_code text NOT NULL,
  vsic_name text NOT NULL
);
CREATE INDEX IF NOT EXISTS enterprise_registrations_name ON enterprise_registrations (name text_pattern_ops);
CREATE INDEX IF NOT EXISTS enterprise_registrations_commune ON enterprise_registrations (commune_code, enterprise_code);
CREATE INDEX IF NOT EXISTS enterprise_registrations_representative ON enterprise_registrations (legal_representative_personal_id);
`

export interface SectorSeedOptions {
  seed?: number
  parcels?: number
  enterprises?: number
  /** Owners and representatives; the population simulator's default population otherwise. */
  population?: SyntheticPopulation
}

export interface SectorSeedData {
  landParcels: LandParcel[]
  enterpriseRegistrations: EnterpriseRegistration[]
}

/** The rows a seed makes, as the gateway serves them (sorted by id). */
export function sectorSeedData (options: SectorSeedOptions = {}): SectorSeedData {
  const { seed = 2025, parcels = 3000, enterprises = 2000 } = options
  const population = options.population ?? syntheticPopulation()
  return {
    landParcels: syntheticLandParcels({ seed, count: parcels, population }),
    enterpriseRegistrations: syntheticEnterprises({ seed, count: enterprises, population })
  }
}

const parcelRow = (p: LandParcel): Record<string, unknown> => ({
  parcel_id: p.parcelId,
  province_code: p.provinceCode,
  province_name: p.provinceName,
  commune_code: p.communeCode,
  commune_name: p.communeName,
  map_sheet_no: p.mapSheetNo,
  parcel_no: p.parcelNo,
  area_m2: p.areaM2,
  land_use_type: p.landUseType,
  land_use_type_name: p.landUseTypeName,
  owner_personal_id: p.ownerPersonalId,
  owner_name: p.ownerName,
  certificate_no: p.certificateNo ?? null,
  registered_date: p.registeredDate
})

const enterpriseRow = (e: EnterpriseRegistration): Record<string, unknown> => ({
  enterprise_code: e.enterpriseCode,
  name: e.name,
  enterprise_type: e.enterpriseType,
  enterprise_type_name: e.enterpriseTypeName,
  legal_representative_name: e.legalRepresentativeName,
  legal_representative_personal_id: e.legalRepresentativePersonalId,
  head_office_address: e.headOfficeAddress,
  commune_code: e.communeCode,
  commune_name: e.communeName,
  province_code: e.provinceCode,
  province_name: e.provinceName,
  registered_capital_vnd: e.registeredCapitalVnd,
  status: e.status,
  registration_date: e.registrationDate,
  vsic_code: e.vsicCode,
  vsic_name: e.vsicName
})

const PARCEL_COLUMNS = `parcel_id text, province_code text, province_name text, commune_code text, commune_name text,
  map_sheet_no integer, parcel_no integer, area_m2 numeric, land_use_type text, land_use_type_name text,
  owner_personal_id text, owner_name text, certificate_no text, registered_date date`
const ENTERPRISE_COLUMNS = `enterprise_code text, name text, enterprise_type text, enterprise_type_name text,
  legal_representative_name text, legal_representative_personal_id text, head_office_address text,
  commune_code text, commune_name text, province_code text, province_name text, registered_capital_vnd bigint,
  status text, registration_date date, vsic_code text, vsic_name text`

const columnNames = (definitions: string): string => definitions.split(',').map((definition) => definition.trim().split(/\s+/)[0]).join(', ')

/** INSERT … SELECT FROM jsonb_to_recordset($1): every row in one parameter. Answers how many rows were new. */
/** Statements, and scripts of several without parameters (the table definitions). */
export interface SeedTarget extends SqlStatements {
  exec (sql: string): Promise<void>
}

async function insertRows (db: SqlStatements, table: string, columns: string, rows: ReadonlyArray<Record<string, unknown>>): Promise<number> {
  const names = columnNames(columns)
  const [result] = await db.query<{ inserted: number }>(
    `WITH inserted AS (
       INSERT INTO ${table} (${names}) SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS r(${columns})
       ON CONFLICT DO NOTHING RETURNING 1)
     SELECT count(*)::integer AS inserted FROM inserted`,
    [JSON.stringify(rows)])
  return result?.inserted ?? 0
}

/** Creates the sector tables in the connection's current schema (if missing) and fills them from the seed. */
export async function seedSectorTables (db: SeedTarget, options: SectorSeedOptions = {}): Promise<{ landParcels: number, enterpriseRegistrations: number }> {
  const data = sectorSeedData(options)
  await db.exec(SECTOR_TABLES_SQL)
  return {
    landParcels: await insertRows(db, 'land_parcels', PARCEL_COLUMNS, data.landParcels.map(parcelRow)),
    enterpriseRegistrations: await insertRows(db, 'enterprise_registrations', ENTERPRISE_COLUMNS, data.enterpriseRegistrations.map(enterpriseRow))
  }
}
