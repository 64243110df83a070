import {defineQuery} from 'groq'

// What the Studio reads to re-run the quality detectors when an editor publishes: the thread as
// published (drafts of other documents are not what readers see), and the doctor's name.

export const qualityThreadQuery = defineQuery(
  `{
    "question": coalesce(*[_id == $questionId][0], *[_id == "drafts." + $questionId][0]){
      _id, _type, title, shortTitle, body, moreInfo, askedAt, language, asker, quality
    },
    "replies": *[_type == "reply" && question._ref == $questionId && !(_id in path("drafts.**"))]{
      _id, body, repliedAt, "doctor": doctor->name
    },
    "doctor": *[_id == $doctorId][0].name
  }`,
)
