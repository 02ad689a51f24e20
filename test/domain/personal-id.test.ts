import t from 'tap'
import { centuryAndYearDigits, parsePersonalId } from '../../domain/personal-id.js'

const NOW = new Date('2026-11-23T00:00:00Z')

t.test('decodes province, century, gender and birth year', async (t) => {
  t.same(parsePersonalId('025090001234', NOW), { provinceCode: '025', birthYear: 1990, gender: 'male' })
  t.same(parsePersonalId('001185012345', NOW), { provinceCode: '001', birthYear: 1985, gender: 'female' })
  t.same(parsePersonalId('079203000001', NOW), { provinceCode: '079', birthYear: 2003, gender: 'male' })
  t.same(parsePersonalId('096326000001', NOW), { provinceCode: '096', birthYear: 2026, gender: 'female' })
})

t.test('refuses what cannot be a personal id', async (t) => {
  for (const id of ['', '02509000123', '0250900012345', '02509000123x', '000090001234', '099090001234', '025327000001', '025490001234', '２５０９０００１２３４']) {
    t.equal(parsePersonalId(id, NOW), undefined, id)
  }
})

t.test('digits 4–6 from birth year and gender', async (t) => {
  t.equal(centuryAndYearDigits(1990, 'male'), '090')
  t.equal(centuryAndYearDigits(1985, 'female'), '185')
  t.equal(centuryAndYearDigits(2003, 'male'), '203')
  t.equal(centuryAndYearDigits(2010, 'female'), '310')
})
