import {describe, expect, it} from 'vitest'
import {
  ARCHIVE,
  dermatology,
  eyelidTwitchTag,
  neurologist,
  neurology,
  rashTag,
} from '../../test/fixtures/documents.ts'
import {idsMatching} from '../../test/support/groq.ts'
import {doctorFilter, tagFilter} from '../referenceFilters.ts'

const unfiledTag = {...rashTag, _id: 'tag-unfiled', specialty: undefined}
const dermatologist = {
  ...neurologist,
  _id: 'doctor-dermatologist',
  specialties: [{_type: 'reference', _ref: dermatology._id, _key: 'd'}],
}
const newDoctor = {...neurologist, _id: 'doctor-new', specialties: undefined}
const DOCUMENTS = [...ARCHIVE, unfiledTag, dermatologist, newDoctor]

async function pick(
  type: string,
  {filter, params}: {filter: string; params: Record<string, string>},
) {
  return idsMatching(
    DOCUMENTS,
    filter ? `_type == "${type}" && (${filter})` : `_type == "${type}"`,
    params,
  )
}

describe('tagFilter', () => {
  it("offers the specialty's tags and unfiled tags", async () => {
    expect(await pick('faqTag', tagFilter(neurology._id))).toEqual(
      [eyelidTwitchTag._id, unfiledTag._id].sort(),
    )
  })

  it('offers every tag while the question has no specialty', async () => {
    expect(await pick('faqTag', tagFilter(undefined))).toEqual(
      [eyelidTwitchTag._id, rashTag._id, unfiledTag._id].sort(),
    )
  })
})

describe('doctorFilter', () => {
  it('offers doctors of the specialty and doctors without one', async () => {
    expect(await pick('doctor', doctorFilter(dermatology._id))).toEqual(
      [dermatologist._id, newDoctor._id].sort(),
    )
  })

  it('offers every doctor when the specialty is unknown', async () => {
    expect(await pick('doctor', doctorFilter(undefined))).toHaveLength(3)
  })
})
