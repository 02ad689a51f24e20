/** Shapes of the identifiers the one-stop system and the gateway share (see DESIGN.md, Identifiers). */

/** National TTHC catalogue code, e.g. `1.001612`. */
export const PROCEDURE_CODE = /^[0-9]\.[0-9]{6}$/

/** Electronic code of the receiving agency, e.g. `000.00.20.H23`. */
export const AGENCY_CODE = /^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$/

/** `<receiving-agency-code>-<YYMMDD>-<4-digit sequence>`, e.g. `000.00.20.H23-230223-0001`. */
export const DOSSIER_CODE = /^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}-[0-9]{6}-[0-9]{4}$/

export const PERSONAL_ID = /^[0-9]{12}$/

/** Enterprise (tax) code: 10 digits, a branch adds `-NNN`. */
export const ENTERPRISE_CODE = /^[0-9]{10}(-[0-9]{3})?$/
