import {at, defineMigration, patch, set} from 'sanity/migrate'
import {DOCTOR_HONORIFIC} from '../../schemas/documents/doctor.ts'

// Doctors written before they carried their form of address get it ("Dr.", as pages print it),
// so that the Studio's search finds "Dr. Chou" as its lists show the doctor. Drafts included;
// doctors that have one are left alone (the filter), so a second run changes nothing.

export default defineMigration({
  title: 'Give doctors without a form of address the one pages print ("Dr.")',
  documentTypes: ['doctor'],
  filter: '!defined(honorific)',
  migrate: {
    document(document) {
      return patch(document._id, [at('honorific', set(DOCTOR_HONORIFIC))], {
        ifRevision: document._rev,
      })
    },
  },
})
