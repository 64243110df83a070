import type {
  DoctorPage,
  SearchResult,
  SpecialtyIndex,
  SpecialtyPage,
  TagPage,
  Thread,
} from '../queries/index.ts'
import {renderPortableText} from '../queries/portableText.ts'
import {askerLine, displayDate, doctorPath, specialtyPath, tagPath, threadPath} from './format.ts'
import {html, type Html, trustedHtml} from './html.ts'

// The preview pages: small template functions over the query layer's results. Plain HTML and one
// inline style sheet, no scripts.

export const STYLE = `
body{font:17px/1.55 system-ui,sans-serif;color:#1d232b;background:#fafafa;margin:0}
main{max-width:46rem;margin:0 auto;padding:1rem 1.25rem 3rem}
header.site{background:#24476b;padding:.6rem 1.25rem}
header.site a{color:#fff;text-decoration:none;font-weight:600}
header.site form{display:inline;margin-left:1rem}
a{color:#1f5fa0}
h1{font-size:1.6rem;line-height:1.25;margin:1.2rem 0 .3rem}
h2{font-size:1.25rem;margin:2rem 0 .6rem;border-bottom:1px solid #d8dde3;padding-bottom:.2rem}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
.meta,.asker,.reply-date,.specialty-name{color:#59636e;font-size:.93rem}
.question,.reply{background:#fff;border:1px solid #e1e5ea;border-radius:6px;padding:.4rem 1rem;margin:.8rem 0}
.reply h3,.question h2{margin-top:.6rem}
.items{list-style:none;padding:0}
.items>li{background:#fff;border:1px solid #e1e5ea;border-radius:6px;padding:.5rem 1rem;margin:.6rem 0}
.items>li p{margin:.3rem 0}
.similar-thread{border-bottom:1px solid #e1e5ea;padding:.3rem 0 .8rem}
.faq{padding-left:1.2rem}
nav.pager{margin-top:1.5rem}
`

// Built outside the `html` templates: Prettier re-indents those, and the Content-Security-Policy
// hash (web/handler.ts) covers the style sheet's exact text.
const STYLE_ELEMENT = trustedHtml(`<style>${STYLE}</style>`)

function layout(title: string, body: Html, searchText = ''): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        ${STYLE_ELEMENT}
      </head>
      <body>
        <header class="site">
          <a href="/">Medical Q&amp;A archive</a>
          <form action="/search" method="get" role="search">
            <input
              type="search"
              name="q"
              value="${searchText}"
              aria-label="Search questions"
              placeholder="Search questions"
            />
            <button>Search</button>
          </form>
        </header>
        <main>${body}</main>
      </body>
    </html> `
}

/** A Portable Text field as HTML (the renderer escapes and filters everything itself). */
function richText(blocks: unknown): Html {
  return trustedHtml(renderPortableText(blocks))
}

function link(path: string | null, text: string | null): Html | string {
  return path === null ? (text ?? '') : html`<a href="${path}">${text ?? 'Untitled'}</a>`
}

const specialtyLink = (specialty: {name: string | null; slug: string | null} | null) =>
  specialty ? link(specialty.slug ? specialtyPath(specialty.slug) : null, specialty.name) : null

function similarThreads(similar: Thread['similar']): Html {
  if (similar.length === 0) return html`<p class="meta">No similar threads yet.</p>`
  return html`${similar.map(
    (entry) =>
      html`<article class="similar-thread" data-provenance="${entry.provenance}">
        <h3><a href="${threadPath(entry.slug)}">${entry.title}</a></h3>
        <p>${entry.excerpt}</p>
        ${entry.doctor ? html`<p class="meta">Dr. ${entry.doctor} reply ${entry.specialty ?? ''}</p>` : null}
        <p><a class="read-more" href="${threadPath(entry.slug)}">[Read More] ${entry.title}</a></p>
      </article>`,
  )}`
}

type ThreadReply = Thread['replies'][number]

/**
 * "Dr. <name> reply <specialty>": the question's specialty, unless the doctor is filed under
 * others only (a rehabilitation doctor answering an orthopedics question).
 */
function replyArticle(reply: ThreadReply, questionSpecialty: string | null): Html {
  const doctor = reply.doctor
  const specialties = doctor?.specialties ?? []
  const specialty =
    questionSpecialty && (specialties.length === 0 || specialties.includes(questionSpecialty))
      ? questionSpecialty
      : (specialties[0] ?? questionSpecialty)
  const name = doctor ? link(doctor.slug ? doctorPath(doctor.slug) : null, doctor.name) : 'Unknown'
  return html`<article class="reply">
    <h3>
      Dr. ${name} reply ${specialty ? html`<span class="specialty-name">${specialty}</span>` : null}
    </h3>
    ${richText(reply.body)}
    ${
      reply.repliedAt
        ? html`<p class="reply-date">Reply Date: ${displayDate(reply.repliedAt)}</p>`
        : null
    }
  </article>`
}

export function threadPage(thread: Thread): Html {
  const specialty = thread.specialty?.name ?? null
  const title = thread.title ?? 'Untitled question'
  const asked = askerLine(thread)
  return layout(
    specialty ? `${title} - ${specialty}` : title,
    html`<article class="thread">
      <h1>${title}</h1>
      ${specialty ? html`<p class="specialty-name">${specialtyLink(thread.specialty)}</p>` : null}
      <section class="question" aria-label="Question">
        ${thread.shortTitle ? html`<h2>${thread.shortTitle}</h2>` : null} ${richText(thread.body)}
        ${asked ? html`<p class="asker">${asked}</p>` : null}
      </section>
      <section class="replies" aria-label="Replies">
        ${
          thread.replies.length === 0
            ? html`<p class="meta">No doctor has replied yet.</p>`
            : thread.replies.map((reply) => replyArticle(reply, specialty))
        }
      </section>
      ${
        thread.moreInfo && thread.moreInfo.length > 0
          ? html`<section class="more-info" aria-labelledby="more-info">
              <h2 id="more-info">More Info</h2>
              ${richText(thread.moreInfo)}
            </section>`
          : null
      }
      <section class="similar" aria-labelledby="similar">
        <h2 id="similar">Similar Q&amp;A</h2>
        ${similarThreads(thread.similar)}
      </section>
      ${
        thread.tags && thread.tags.length > 0
          ? html`<section class="related-faq" aria-labelledby="related-faq">
              <h2 id="related-faq">Related FAQ</h2>
              <ul class="faq">
                ${thread.tags.map(
                  (tag) =>
                    html`<li>
                      ${link(tag.slug ? tagPath(tag.slug) : null, tag.name)}${tag.specialty ? html` <span class="meta">(${tag.specialty})</span>` : null}
                    </li>`,
                )}
              </ul>
            </section>`
          : null
      }
    </article>`,
  )
}

type QuestionItem = SpecialtyPage['questions'][number] | SearchResult

function questionList(questions: QuestionItem[], {showSpecialty}: {showSpecialty: boolean}): Html {
  if (questions.length === 0) return html`<p class="meta">No questions here yet.</p>`
  return html`<ul class="items">
    ${questions.map((question) => {
      const replies = question.replyCount ?? 0
      const meta = [
        question.askedAt ? displayDate(question.askedAt) : null,
        `${replies} ${replies === 1 ? 'reply' : 'replies'}`,
      ]
        .filter(Boolean)
        .join(' · ')
      return html`<li>
        <h3>${link(question.slug ? threadPath(question.slug) : null, question.title)}</h3>
        <p>${question.excerpt}</p>
        <p class="meta">
          ${showSpecialty && question.specialty ? html`${specialtyLink(question.specialty)} · ` : null}${meta}
        </p>
      </li>`
    })}
  </ul>`
}

/** Where the list's first and next pages are; `next` is null on the last page. */
export interface PageLinks {
  first: string
  next: string | null
  isFirst: boolean
}

function pager(links: PageLinks, label = 'Older questions'): Html | null {
  if (!links.next && links.isFirst) return null
  return html`<nav class="pager">
    ${links.isFirst ? null : html`<a href="${links.first}" rel="first">« Newest</a> `}${
      links.next ? html`<a href="${links.next}" rel="next">${label} »</a>` : null
    }
  </nav>`
}

export function specialtyIndexPage(specialties: SpecialtyIndex): Html {
  return layout(
    'Medical Q&A archive',
    html`<h1>Medical Q&amp;A archive</h1>
      <p>Patients' questions answered by doctors, by specialty.</p>
      <h2>Specialties</h2>
      ${
        specialties.length === 0
          ? html`<p class="meta">The archive is empty.</p>`
          : html`<ul class="items">
              ${specialties.map(
                (specialty) =>
                  html`<li>
                    <h3>
                      ${link(specialty.slug ? specialtyPath(specialty.slug) : null, specialty.name)}
                    </h3>
                    ${specialty.description ? html`<p>${specialty.description}</p>` : null}
                  </li>`,
              )}
            </ul>`
      }`,
  )
}

export function specialtyPage(page: SpecialtyPage, links: PageLinks): Html {
  const {specialty} = page
  return layout(
    specialty.name ?? 'Specialty',
    html`<h1>${specialty.name}</h1>
      ${specialty.description ? html`<p>${specialty.description}</p>` : null}
      ${
        specialty.tags.length > 0
          ? html`<h2>FAQ topics</h2>
              <ul class="faq">
                ${specialty.tags.map((tag) => html`<li>${link(tag.slug ? tagPath(tag.slug) : null, tag.name)}</li>`)}
              </ul>`
          : null
      }
      <h2>Questions <span class="meta">(${page.total})</span></h2>
      ${questionList(page.questions, {showSpecialty: false})} ${pager(links)}`,
  )
}

export function tagPage(page: TagPage, links: PageLinks): Html {
  const {tag} = page
  return layout(
    tag.name ?? 'FAQ topic',
    html`<h1>${tag.name}</h1>
      ${tag.specialty ? html`<p class="specialty-name">FAQ topic in ${specialtyLink(tag.specialty)}</p>` : null}
      ${tag.description ? html`<p>${tag.description}</p>` : null}
      <h2>Questions <span class="meta">(${page.total})</span></h2>
      ${questionList(page.questions, {showSpecialty: true})} ${pager(links)}`,
  )
}

export function doctorPage(page: DoctorPage, links: PageLinks): Html {
  const {doctor} = page
  const name = `Dr. ${doctor.name ?? 'Unknown'}`
  return layout(
    name,
    html`<h1>${name}</h1>
      ${doctor.credentials ? html`<p class="meta">${doctor.credentials}</p>` : null}
      ${
        doctor.specialties && doctor.specialties.length > 0
          ? html`<p class="specialty-name">
              ${doctor.specialties.map((specialty, index) => html`${index > 0 ? ', ' : null}${specialtyLink(specialty)}`)}
            </p>`
          : null
      }
      ${richText(doctor.bio)}
      <h2>Replies <span class="meta">(${page.total})</span></h2>
      ${
        page.replies.length === 0
          ? html`<p class="meta">No published replies yet.</p>`
          : html`<ul class="items">
              ${page.replies.map(
                (reply) =>
                  html`<li>
                    <h3>
                      ${link(reply.question?.slug ? threadPath(reply.question.slug) : null, reply.question?.title ?? null)}
                    </h3>
                    <p>${reply.excerpt}</p>
                    <p class="meta">
                      ${reply.question?.specialty ? html`${specialtyLink(reply.question.specialty)} · ` : null}Reply
                      Date: ${displayDate(reply.repliedAt)}
                    </p>
                  </li>`,
              )}
            </ul>`
      }
      ${pager(links, 'Older replies')}`,
  )
}

export function searchPage(text: string, results: SearchResult[] | null): Html {
  return layout(
    text ? `Search: ${text}` : 'Search',
    html`<h1>Search</h1>
      ${
        results === null
          ? html`<p class="meta">Type words to look for in questions' titles and text.</p>`
          : html`<p class="meta">
                ${results.length} ${results.length === 1 ? 'question' : 'questions'} matching
                “${text}”
              </p>
              ${questionList(results, {showSpecialty: true})}`
      }`,
    text,
  )
}

export function errorPage(status: number, message: string): Html {
  const title =
    status === 404 ? 'Not found' : status === 400 ? 'Bad request' : 'Something went wrong'
  return layout(
    title,
    html`<h1>${title}</h1>
      <p>${message}</p>
      <p><a href="/">Back to the archive</a></p>`,
  )
}
