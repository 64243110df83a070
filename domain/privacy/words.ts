// Word lists the rules consult, lower case. Each list says why it exists; keep them short and
// specific: a word belongs here because a rule needs to tell two readings of a string apart.

const words = (list: string) => new Set(list.trim().split(/\s+/))

/** Words that announce a phone number nearby ("call 0912-…", "Tel.: …"). */
export const PHONE_CUES = words(`
  phone phones telephone tel tele ph mobile mob cell cellphone handphone call calls calling ring
  dial contact contacts hotline helpline fax tty tdd sms text number no reach 電話 手機 手机 分機 聯絡 联系
`)

/** Words that announce a measurement, code or batch: a long number after them is not a phone. */
export const MEASUREMENT_CUES = words(`
  bp pressure pressures hr pulse rate glucose sugar hba1c a1c tsh t3 t4 psa cea ldl hdl tg
  cholesterol triglycerides platelet platelets plt wbc rbc hb hgb hemoglobin haemoglobin
  egfr creatinine alt ast ggt alp ck crp esr inr ferritin lot batch serial sn claim icd code
  codes weight height bmi temperature temp spo2 count counts level levels range ranges reading
  readings dose doses dosage result results score iu steps calories kcal cal lab labs
`)

/** Units and counted things: a number followed by one carries a quantity, not a phone. */
export const UNITS = words(`
  mg mcg µg μg ug g gm gram grams kg kgs lb lbs pound pounds oz ml mls l dl cc cal cals kcal
  calorie calories kj mmhg cmh2o bpm iu u units unit cm mm m km ft feet inch inches mmol
  umol µmol μmol nmol pmol mol meq mosm ng pg fl ppm hz khz db ms sec secs second seconds s min
  mins minute minutes h hr hrs hour hours day days d wk wks week weeks mo month months yr yrs
  year years yo times time x steps step tablets tablet tabs tab pills pill caps capsules
  capsule drops drop puffs puff doses dose cells cell copies beats beat cycles cycle reps sets
  sessions session people patients patient cases case persons babies children kids grains
  dollars dollar usd ntd nt yuan rmb eur euros k percent cfu mu miu uiu µiu μiu mosm
`)

/** Schemes whose link targets are contact details, and what kind. */
export const CONTACT_SCHEMES = new Map([
  ['mailto:', 'email'],
  ...['tel:', 'sms:', 'callto:', 'facetime:'].map((scheme) => [scheme, 'phone'] as const),
  ...['skype:', 'whatsapp:', 'viber:', 'weixin:', 'line:', 'tg:'].map(
    (scheme) => [scheme, 'messenger'] as const,
  ),
] as const)

/** Top-level domains accepted in addresses spelled out in words ("gmail dot com"). */
export const SPELLED_TLDS = words(`
  com net org edu gov io co tw cn hk mo jp kr sg my uk us ca au nz de fr it es nl info biz me
`)

/** Mail providers: "name at gmail.com" is an address even without a contact cue nearby. */
export const MAIL_PROVIDERS = words(`
  gmail googlemail yahoo ymail hotmail outlook live msn icloud me mac aol protonmail proton gmx
  mail 163 126 qq sina sohu foxmail yeah hinet msa seed pchome naver daum hanmail yandex
`)

/** Words that announce an e-mail address nearby. */
export const EMAIL_CUES = words(`email mail e-mail emails mails address write reach contact reply`)

/**
 * Messenger names that introduce an id, with the rule for the id that follows. A bare "ID"
 * (capitals) introduces an identifier that mixes letters with digits or "_" ("ID wu_ting88",
 * a national ID "A123456789").
 */
export const MESSENGERS = new Map<string, 'handle' | 'digits' | 'identifier'>([
  ['id', 'identifier'],
  ['line', 'handle'],
  ['wechat', 'handle'],
  ['weixin', 'handle'],
  ['微信', 'handle'],
  ['skype', 'handle'],
  ['telegram', 'handle'],
  ['kakaotalk', 'handle'],
  ['kakao', 'handle'],
  ['viber', 'handle'],
  ['whatsapp', 'handle'],
  ['qq', 'digits'],
  ['qq号', 'digits'],
  ['qq號', 'digits'],
  ['instagram', 'handle'],
  ['ig', 'handle'],
  ['twitter', 'handle'],
  ['facebook', 'handle'],
  ['fb', 'handle'],
])

/** Words between a messenger name and its id ("LINE ID:", "WeChat account"). */
export const MESSENGER_FILLERS = words(
  `id account acct number no username user name handle is at on via 號 号`,
)

/**
 * Words that never are an id, though they may follow a messenger name: also the question and
 * function words a sentence starts with after a topic ("Facebook: What is…", "WhatsApp: How do
 * I…", as real questions are written).
 */
export const NOT_IDS = words(`
  is me or and the to at on in a an my your our please thanks thank number account id app group
  call message chat video same here there below above too also only
  what how why when where who whom whose which can could should would will shall do does did are
  was were has have had may might must it its this that these those they we you he she if any
`)

/** Hosts whose pages are a person's profile or chat. */
export const PROFILE_HOSTS = words(`
  t.me telegram.me wa.me api.whatsapp.com line.me m.me fb.me facebook.com m.facebook.com fb.com
  instagram.com twitter.com x.com weixin.qq.com u.wechat.com
`)

/** What sites print when an asker gave no name: never looked for as a name. */
export const PLACEHOLDER_NAMES = words(`
  anonymous anon guest user visitor patient someone unknown netizen member friend 匿名 網友 网友
  民眾 民众 訪客 访客
`)

/** Titles that make the following name a doctor's, never masked. */
export const DOCTOR_TITLES = words(`dr doctor prof professor physician`)

/** Honorifics that make the following capitalised word somebody's name. Case matters. */
export const HONORIFICS = new Set(['Mr', 'Mrs', 'Ms', 'Mx', 'Mdm', 'Madam', 'Mister'])
/** "Miss" is also a verb: it is an honorific after a greeting, or before the asker's name. */
export const MISS = 'Miss'

/** Greetings that address a person by name ("Dear May," "Hello Will"). */
export const SALUTATIONS = words(`dear hello hi hey hiya`)

/** Chinese familiar prefixes, capitalised: "Xiao Chen", "Lao Wang", "Ah Chen", "A-Mei". */
export const DIMINUTIVES = words(`xiao lao ah a`)

/** Phrases just before a person names themself: "my name is", "I'm", "this is". */
export const SELF_INTRODUCTIONS = [
  ['my', 'name', 'is'],
  ['name', 'is'],
  ['surname', 'is'],
  ['name'],
  ["i'm"],
  ['im'],
  ['i', 'am'],
  ['this', 'is'],
  ["it's"],
  ['calls', 'me'],
]

/** Words right after a person's name that say it is one: "May here", "Grace asks". */
export const AFTER_NAME = words(`here asks writes writing wonders again replying`)

/** What a name's possessive is about in titles and questions: "Lily's Question". */
export const POSSESSED = words(`
  question questions case story concern concerns problem problems symptoms worry results report
  mother father son daughter husband wife baby child kids
`)

/** Verbs before a person to reach, and the words after ("contact Fan at …"). */
export const CONTACT_VERBS = words(`contact call ask reach email text message tell`)
export const CONTACT_VIAS = words(`at on via by`)

/** Words that end a run of capitalised words after an honorific (title case). */
export const NOT_NAMES = words(`
  asks wonders writes question questions says replies answers needs has is was and or of in on at
  to for with the a an about from after before recovers here again
`)

/** Words that make a capitalised run an institution: "Chang Gung Memorial Hospital". */
export const INSTITUTIONS = words(`
  hospital hospitals clinic clinics memorial university medical center centre institute
  foundation sanatorium general infirmary college school
`)

/** Words that make a name an eponym: "Crohn's disease". */
export const EPONYM_NOUNS = words(`disease syndrome sign test maneuver manoeuvre procedure`)

/**
 * Name tokens that are also ordinary English words, place names ("Hong Kong"), terms of
 * Chinese medicine ("qi", "yin", "yang"), element symbols or clinical abbreviations.
 * Such a token is masked only where it is clearly a name: after a salutation or honorific, in a
 * self-introduction or sign-off, or next to another token of the asker's name.
 */
export const ORDINARY_WORDS = words(`
  may june april august summer autumn winter dawn rose lily iris ivy daisy violet hazel holly
  heather olive ruby pearl jade amber crystal ginger honey hope faith joy grace charity patience
  will bill mark frank rich pat sue jack jean gene earl guy don art drew wade chase hunter mason
  grant miles max victor dale glen cliff heath lane reed page ward rob ray rain sky star sunny
  sandy rusty penny angel sage ash forest river brook storm blaze red gray grey white black
  brown green long young small little short strong bright light cook baker hall wall bush moon
  early wise love hart king queen prince duke bishop
  an ban bang bin bo chin dan ding dong fan fang gang go hang he ho hong hung kin kong lang lo
  lung man me mo pan pang ping sang shin sing so song sun tan tang ting to tong tin wan wing woo
  yen yu qi yin yang ge
  li na ca fe mg zn cu ng po pe ct cr hb ms al ed ma pa
`)

/** Romanised spellings of one surname (Wade–Giles, pinyin, Cantonese), as groups. */
export const ROMANISATIONS = [
  'chang zhang cheung',
  'hsu xu hsue',
  'tsai cai tsay choi',
  'chu zhu',
  'chou zhou chow',
  'kuo guo kwok',
  'cheng zheng',
  'chiang jiang',
  'chao zhao',
  'hsieh xie tse',
  'huang hwang',
  'kao gao',
  'tseng zeng',
  'hung hong',
  'chung zhong',
  'tsao cao',
  'chien qian',
  'pai bai',
  'teng deng',
  'tu du',
  'yeh ye',
  'lo luo law',
  'sung song',
  'ting ding',
  'shih shi',
  'yen yan',
  'lee li',
  'ho he',
  'liu lau',
  'chiu qiu',
  'chin qin',
  'jen ren',
  'hsia xia',
  'tsui cui',
  'tsou zou',
  'chi qi',
  'wang wong',
].map((group) => group.split(' '))
