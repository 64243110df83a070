import {ClockIcon} from '@sanity/icons/Clock'
import {CommentIcon} from '@sanity/icons/Comment'
import {DocumentsIcon} from '@sanity/icons/Documents'
import {EyeOpenIcon} from '@sanity/icons/EyeOpen'
import {HelpCircleIcon} from '@sanity/icons/HelpCircle'
import {InboxIcon} from '@sanity/icons/Inbox'
import {TagIcon} from '@sanity/icons/Tag'
import {UserIcon} from '@sanity/icons/User'
import {WarningOutlineIcon} from '@sanity/icons/WarningOutline'
import type {StructureBuilder, StructureResolver} from 'sanity/structure'
import {API_VERSION} from '../../schemas/apiVersion.ts'
import {
  type EditorialList,
  FLAGGED_LIST,
  NEEDS_REVIEW_LIST,
  QUESTIONS_BY_SPECIALTY_FILTER,
  RECENTLY_IMPORTED_LIST,
  REPLIES_BY_DOCTOR_FILTER,
  STATUS_LISTS,
  TAGS_BY_SPECIALTY_FILTER,
  UNANSWERED_LIST,
} from './lists.ts'

function editorialList(S: StructureBuilder, list: EditorialList) {
  const documents = S.documentList().id(list.id).title(list.title)
  return (list.schemaType ? documents.schemaType(list.schemaType) : documents)
    .filter(list.filter)
    .params(list.params ?? {})
    .apiVersion(API_VERSION)
    .defaultOrdering(list.ordering)
}

/** A list of parents (specialties, doctors) whose children are the documents pointing at them. */
function byParent(
  S: StructureBuilder,
  id: string,
  title: string,
  parentType: 'specialty' | 'doctor',
  childType: 'question' | 'reply' | 'faqTag',
  filter: string,
) {
  return S.listItem()
    .id(id)
    .title(title)
    .child(
      S.documentTypeList(parentType)
        .id(`${id}-parents`)
        .title(title)
        .child((parentId) =>
          S.documentList()
            .id(`${id}-children`)
            .title(title)
            .schemaType(childType)
            .apiVersion(API_VERSION)
            .filter(filter)
            .params({parentId}),
        ),
    )
}

export const structure: StructureResolver = (S) =>
  S.list()
    .title('Medical Q&A')
    .items([
      S.listItem()
        .id(NEEDS_REVIEW_LIST.id)
        .title(NEEDS_REVIEW_LIST.title)
        .icon(InboxIcon)
        .child(editorialList(S, NEEDS_REVIEW_LIST)),
      S.listItem()
        .id(FLAGGED_LIST.id)
        .title(FLAGGED_LIST.title)
        .icon(WarningOutlineIcon)
        .child(editorialList(S, FLAGGED_LIST)),
      S.listItem()
        .id(UNANSWERED_LIST.id)
        .title(UNANSWERED_LIST.title)
        .icon(HelpCircleIcon)
        .child(editorialList(S, UNANSWERED_LIST)),
      S.listItem()
        .id(RECENTLY_IMPORTED_LIST.id)
        .title(RECENTLY_IMPORTED_LIST.title)
        .icon(ClockIcon)
        .child(editorialList(S, RECENTLY_IMPORTED_LIST)),
      byParent(
        S,
        'questions-by-specialty',
        'Questions by specialty',
        'specialty',
        'question',
        QUESTIONS_BY_SPECIALTY_FILTER,
      ).icon(DocumentsIcon),
      S.listItem()
        .id('questions-by-status')
        .title('Questions by status')
        .icon(EyeOpenIcon)
        .child(
          S.list()
            .id('questions-by-status-list')
            .title('Questions by status')
            .items(
              STATUS_LISTS.map((list) =>
                S.listItem().id(list.id).title(list.title).child(editorialList(S, list)),
              ),
            ),
        ),
      S.documentTypeListItem('question').title('All questions'),
      S.divider(),
      byParent(
        S,
        'replies-by-doctor',
        'Replies by doctor',
        'doctor',
        'reply',
        REPLIES_BY_DOCTOR_FILTER,
      ).icon(CommentIcon),
      S.documentTypeListItem('reply').title('All replies'),
      S.divider(),
      S.documentTypeListItem('doctor').title('Doctors').icon(UserIcon),
      S.documentTypeListItem('specialty').title('Specialties'),
      byParent(
        S,
        'tags-by-specialty',
        'FAQ tags by specialty',
        'specialty',
        'faqTag',
        TAGS_BY_SPECIALTY_FILTER,
      ).icon(TagIcon),
    ])
