import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {DoctorDocument} from '../../importer/mapping.ts'
import backfillHonorifics from '../../migrations/backfill-honorifics/index.ts'
import {startTestLake, type TestLake} from '../support/lake.ts'
import {collect, migrate, read, seed} from '../support/migrations.ts'

const doctorWithout: DoctorDocument = {_id: 'doctor-chou', _type: 'doctor', name: 'Chou Mingyi'}
const draftWithout: DoctorDocument = {...doctorWithout, _id: 'drafts.doctor-chou'}
/** Already addressed otherwise: left as it is. */
const professor: DoctorDocument = {
  _id: 'doctor-lan',
  _type: 'doctor',
  name: 'Lan Shengxing',
  honorific: 'Prof.',
}

let lake: TestLake
beforeAll(async () => {
  lake = await startTestLake()
})
afterAll(() => lake.close())

describe('migration backfill-honorifics', () => {
  const client = () => lake.client({dataset: 'honorifics'})

  it('gives doctors and their drafts the form of address pages print, once', async () => {
    await seed(client(), [doctorWithout, draftWithout, professor])
    await migrate(client(), backfillHonorifics)
    const doctors = await read(client(), [doctorWithout._id, draftWithout._id, professor._id])
    expect(Object.fromEntries(doctors.map((doctor) => [doctor._id, doctor.honorific]))).toEqual({
      'doctor-chou': 'Dr.',
      'drafts.doctor-chou': 'Dr.',
      'doctor-lan': 'Prof.',
    })
    expect(await collect(client(), backfillHonorifics)).toEqual([])
  })

  it('lets the Studio search find a doctor by the name as shown, "Dr." included', async () => {
    await seed(client(), [doctorWithout])
    const search = (text: string) =>
      client().fetch<string[]>('*[_type == "doctor" && [@, _id] match text::query($q)]._id', {
        q: text,
      })
    expect(await search('Dr. Chou*')).toEqual([])
    await migrate(client(), backfillHonorifics)
    for (const shown of ['Dr. Chou*', 'Dr Chou Mingyi*', 'Mingyi Chou*', 'dr. mingyi*'])
      expect(await search(shown), shown).toEqual(['doctor-chou'])
  })
})
