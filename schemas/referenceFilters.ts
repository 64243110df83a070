// Reference-picker filters as pure functions of the specialty in play, so they can be tested and
// reused by the schema's async `options.filter` callbacks.

export interface ReferenceFilter {
  filter: string
  params: Record<string, string>
}

/** Tags of the question's specialty, plus tags not yet filed under any specialty. */
export function tagFilter(specialtyId: string | undefined): ReferenceFilter {
  return specialtyId
    ? {
        filter: '!defined(specialty) || specialty._ref == $specialty',
        params: {specialty: specialtyId},
      }
    : {filter: '', params: {}}
}

/** Doctors of the question's specialty, plus doctors with no specialty recorded yet. */
export function doctorFilter(specialtyId: string | undefined): ReferenceFilter {
  return specialtyId
    ? {
        filter:
          'count(specialties) == 0 || !defined(specialties) || $specialty in specialties[]._ref',
        params: {specialty: specialtyId},
      }
    : {filter: '', params: {}}
}
