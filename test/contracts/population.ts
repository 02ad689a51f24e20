import type { Test } from 'tap'
import type { PopulationPort } from '../../adapters/population/port.js'

/**
 * What every implementation of PopulationPort must do. `known` is a citizen the implementation holds;
 * `unknownId` is a well-formed personal id it does not hold.
 */
export interface PopulationFixture {
  port: PopulationPort
  known: { personalId: string, fullName: string, dateOfBirth: string }
  unknownId: string
}

export function populationContract (t: Test, makeFixture: (t: Test) => Promise<PopulationFixture>): void {
  t.test('finds a citizen by personal id with every promised field', async (t) => {
    const { port, known } = await makeFixture(t)
    const citizen = await port.findCitizenByPersonalId(known.personalId, { requestId: 'contract-find-0001' })
    t.ok(citizen)
    t.equal(citizen?.personalId, known.personalId)
    t.equal(citizen?.fullName, known.fullName)
    t.equal(citizen?.dateOfBirth, known.dateOfBirth)
    t.match(citizen, {
      gender: /^(male|female)$/,
      nationality: /^[A-Z]{2}$/,
      ethnicity: String,
      religion: String,
      placeOfOrigin: { provinceCode: /^[0-9]{2}$/, communeCode: /^[0-9]{5}$/, provinceName: String, communeName: String },
      permanentAddress: { provinceCode: /^[0-9]{2}$/, communeCode: /^[0-9]{5}$/ },
      currentAddress: { provinceCode: /^[0-9]{2}$/, communeCode: /^[0-9]{5}$/ }
    })
  })

  t.test('keeps Vietnamese diacritics intact', async (t) => {
    const { port, known } = await makeFixture(t)
    const citizen = await port.findCitizenByPersonalId(known.personalId, { requestId: 'contract-text-0001' })
    t.equal(citizen?.fullName.normalize('NFC'), known.fullName.normalize('NFC'))
  })

  t.test('answers undefined for an id it does not hold', async (t) => {
    const { port, unknownId } = await makeFixture(t)
    t.equal(await port.findCitizenByPersonalId(unknownId, { requestId: 'contract-miss-0001' }), undefined)
  })

  t.test('reports healthy while reachable', async (t) => {
    const { port } = await makeFixture(t)
    await t.resolves(port.checkHealth())
  })
}
