import {doctorType} from './documents/doctor.ts'
import {faqTagType} from './documents/faqTag.ts'
import {questionType} from './documents/question.ts'
import {replyType} from './documents/reply.ts'
import {specialtyType} from './documents/specialty.ts'
import {askerType} from './objects/asker.ts'
import {blockContentType} from './objects/blockContent.ts'
import {qualityFlagType} from './objects/qualityFlag.ts'
import {similarExclusionType} from './objects/similarExclusion.ts'
import {similarThreadType} from './objects/similarThread.ts'
import {sourceType} from './objects/source.ts'

export const schemaTypes = [
  questionType,
  replyType,
  doctorType,
  specialtyType,
  faqTagType,
  askerType,
  blockContentType,
  qualityFlagType,
  similarThreadType,
  similarExclusionType,
  sourceType,
]
