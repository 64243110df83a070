import type {SanityClient} from '@sanity/client'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {fetchSpecialtyPage} from '../../queries/specialties.ts'
import {createQueryClient} from '../../queries/client.ts'
import {ARCHIVE, eyelidQuestion, eyelidReply} from '../../test/fixtures/documents.ts'
import {startTestLake, type TestLake} from '../../test/support/lake.ts'
import {seed} from '../../test/support/migrations.ts'
import {keepReplyCountsRight, type ReplyCountKeeper, syncReplyCounts} from '../replyCounts.ts'

// Reply counts on a started lake: what readers get (derived in GROQ, whatever is stored) and the
// stored copy the Studio's lists show, kept right by the sync and the post-commit keeper.

let lake: TestLake
let client: SanityClient

beforeAll(async () => {
  lake = await startTestLake()
  client = lake.client({perspective: 'raw'})
})

afterAll(() => lake.close())

beforeEach(async () => {
  await client.delete({query: '*[_type in ["question", "reply"]]'})
  await seed(client, ARCHIVE)
})

const QUESTION = eyelidQuestion._id

function reply(id: string, fields: Record<string, unknown> = {}) {
  return {...eyelidReply, _id: id, ...fields}
}

async function stored(id: string): Promise<unknown> {
  return (await client.getDocument(id))?.replyCount
}

describe('syncReplyCounts', () => {
  it('stores the count of published, not archived replies on the question and its draft', async () => {
    await seed(client, [
      reply('reply-second'),
      reply('reply-archived', {status: 'archived'}),
      reply('drafts.reply-unpublished'),
      {...eyelidQuestion, _id: `drafts.${QUESTION}`, replyCount: 7, title: 'Being edited'},
    ])
    await client.patch(QUESTION).set({replyCount: 0}).commit()
    expect(await syncReplyCounts(client)).toMatchObject({corrected: 2, conflicts: 0})
    expect(await stored(QUESTION)).toBe(2)
    expect(await stored(`drafts.${QUESTION}`)).toBe(2)
    // Right now: a second pass writes nothing.
    expect(await syncReplyCounts(client, [QUESTION])).toMatchObject({checked: 2, corrected: 0})
  })
  it('reads the counts of many questions a page of ids per query', async () => {
    // Five questions with 0–4 replies each; pages of two ids (the default is 1,000).
    const ids = Array.from({length: 5}, (_, i) => `question-paged-${i}`)
    await seed(client, [
      ...ids.map((_id) => ({...eyelidQuestion, _id, replyCount: 9})),
      ...ids.flatMap((id, i) =>
        Array.from({length: i}, (_, r) =>
          reply(`reply-${id}-${r}`, {question: {_type: 'reference', _ref: id}}),
        ),
      ),
      {...eyelidQuestion, _id: `drafts.${ids[3]}`, replyCount: 0},
    ])
    expect(await syncReplyCounts(client, ids, {idsPerQuery: 2})).toMatchObject({
      checked: 6,
      corrected: 6,
      conflicts: 0,
    })
    expect(await Promise.all(ids.map(stored))).toEqual([0, 1, 2, 3, 4])
    expect(await stored(`drafts.${ids[3]}`)).toBe(3)
  })
})

describe('what readers get', () => {
  it('is derived in GROQ: a wrong stored count never shows', async () => {
    await client.patch(QUESTION).set({replyCount: 40}).commit()
    const reader = createQueryClient({
      projectId: 'local',
      dataset: 'test',
      apiHost: lake.server.url,
      useProjectHostname: false,
    })
    const page = await fetchSpecialtyPage(reader, 'neurology', {limit: 10})
    expect(page?.questions.find((q) => q._id === QUESTION)?.replyCount).toBe(1)
    await client.create(reply('reply-new'))
    const after = await fetchSpecialtyPage(reader, 'neurology', {limit: 10})
    expect(after?.questions.find((q) => q._id === QUESTION)?.replyCount).toBe(2)
  })
})

describe('keepReplyCountsRight', () => {
  let keeper: ReplyCountKeeper
  let errors: unknown[] = []
  let syncs = 0

  beforeEach(async () => {
    errors = []
    syncs = 0
    await syncReplyCounts(client)
    keeper = keepReplyCountsRight({
      storage: await lake.server.lake.storage('test'),
      client,
      debounceMs: 10,
      onError: (error) => errors.push(error),
      onSync: () => syncs++,
    })
    return async () => {
      await keeper.stop()
      expect(errors).toEqual([])
    }
  })

  it('follows replies added, archived, moved and deleted through the API', async () => {
    await client.create(reply('reply-added'))
    await keeper.flush()
    expect(await stored(QUESTION)).toBe(2)

    await client.patch('reply-added').set({status: 'archived'}).commit()
    await keeper.flush()
    expect(await stored(QUESTION)).toBe(1)

    const other = {...eyelidQuestion, _id: 'question-other', slug: {_type: 'slug', current: 'x'}}
    await client.create(other)
    await client
      .patch(eyelidReply._id)
      .set({question: {_type: 'reference', _ref: other._id}})
      .commit()
    await keeper.flush()
    expect(await stored(QUESTION)).toBe(0)
    expect(await stored(other._id)).toBe(1)

    await client.delete(eyelidReply._id)
    await keeper.flush()
    expect(await stored(other._id)).toBe(0)
  })

  it('corrects a stale draft as it is published, and a new question', async () => {
    // A draft made before a reply arrived, then published as it was.
    await client.create({...eyelidQuestion, _id: `drafts.${QUESTION}`, replyCount: 0})
    await keeper.flush()
    expect(await stored(`drafts.${QUESTION}`)).toBe(1)
    await client.createOrReplace({...eyelidQuestion, replyCount: 0})
    await keeper.flush()
    expect(await stored(QUESTION)).toBe(1)

    await client.create({...eyelidQuestion, _id: 'question-new', replyCount: 3})
    await keeper.flush()
    expect(await stored('question-new')).toBe(0)
  })

  it('corrects a count written through the API, and does not check its own writes again', async () => {
    await client.patch(QUESTION).set({replyCount: 9}).commit()
    await keeper.flush()
    expect(await stored(QUESTION)).toBe(1)
    expect(syncs).toBe(1)
  })

  it('ignores drafts of replies: they are not published yet', async () => {
    await client.create(reply('drafts.reply-draft'))
    await keeper.flush()
    expect(await stored(QUESTION)).toBe(1)
  })
})
