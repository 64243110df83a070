export interface TagSpecialty {
  name: string | null
  specialty: string | null
}

/** Names of tags filed under another specialty than the question's. Tags without one are fine. */
export function tagsOutsideSpecialty(
  tags: readonly TagSpecialty[],
  specialtyId: string | undefined,
) {
  if (!specialtyId) return []
  return tags
    .filter((tag) => tag.specialty !== null && tag.specialty !== specialtyId)
    .map((tag) => tag.name ?? 'Untitled tag')
}
