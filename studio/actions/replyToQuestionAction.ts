import {AddCommentIcon} from '@sanity/icons/AddComment'
import type {DocumentActionComponent} from 'sanity'
import {useRouter} from 'sanity/router'
import {REPLY_TO_QUESTION_TEMPLATE} from '../templates/index.ts'

/** Opens a new reply linked to this question (a reply can only point at a published question). */
export const ReplyToQuestionAction: DocumentActionComponent = (props) => {
  const router = useRouter()
  const published = Boolean(props.published)
  return {
    label: 'Reply to this question',
    icon: AddCommentIcon,
    disabled: !published,
    title: published ? undefined : 'Publish the question before replying to it.',
    onHandle: () => {
      router.navigateIntent('create', [
        {type: 'reply', template: REPLY_TO_QUESTION_TEMPLATE},
        {questionId: props.id},
      ])
      props.onComplete()
    },
  }
}
ReplyToQuestionAction.displayName = 'ReplyToQuestionAction'
