// The example forms as test data: journeys through every branch (answers per page and where
// each journey ends) and invalid inputs for every question page.
//
// An answer is [kind, name, value]: kind is 'text' (input or textarea), 'radio', 'check'
// (one checkbox), 'select', or 'force' (tick a checkbox without events, for states only a browser
// without JavaScript can send); name is the input's name attribute.
// Every question page has at least one invalid input below, except self-build-register/budget:
// optional radios, so no error a resident can cause.
// Today is 2026-02-28 (FORMWORK_TODAY), so a date of birth of 1 March 2008 is one day short of 18.

const dob = (day, month, year) => [
  ['text', 'date-of-birth-day', day],
  ['text', 'date-of-birth-month', month],
  ['text', 'date-of-birth-year', year]
]
const ADULT = dob('15', '6', '1990')
const UNDER_18 = dob('1', '3', '2008')
const NAME = [['text', 'full-name-first-names', 'Ada'], ['text', 'full-name-last-name', 'Lovelace']]
const address = (prefix) => [
  ['text', `${prefix}-line-1`, '1 High Street'],
  ['text', `${prefix}-town`, 'Anytown'],
  ['text', `${prefix}-postcode`, 'sw1a 1aa']
]
const startDate = [['text', 'start-date-day', '1'], ['text', 'start-date-month', '4'], ['text', 'start-date-year', '2026']]

/**
 * Journeys: `steps` are [page slug, answers]; `end` is `confirmation` (check answers, send,
 * confirmation with a reference) or an exit page. `summary` are texts check answers must show.
 */
export const JOURNEYS = [
  {
    form: 'over-18-check',
    name: 'adult opens an account',
    steps: [
      ['date-of-birth', ADULT],
      ['name', NAME],
      ['email', [['text', 'email', 'ada@example.com']]]
    ],
    end: { kind: 'confirmation', title: 'Account request sent', summary: ['15 June 1990', 'Ada', 'Lovelace', 'ada@example.com'] }
  },
  {
    form: 'over-18-check',
    name: 'under 18 (one day short) is sent to the exit page',
    steps: [['date-of-birth', UNDER_18]],
    end: { kind: 'exit', slug: 'too-young', title: 'You cannot use this service', text: 'You must be 18 or over' }
  },
  {
    form: 'self-build-register',
    name: 'individual, optional questions skipped',
    steps: [
      ['date-of-birth', ADULT],
      ['nationality', [['radio', 'nationality', 'eea-or-swiss']]],
      ['main-residence', [['radio', 'main-residence', 'yes']]],
      ['applying-as', [['radio', 'applying-as', 'individual']]],
      ['name', NAME],
      ['address', address('address')],
      ['contact-details', [['text', 'email', 'ada@example.com']]],
      ['areas', [['check', 'areas', 'north'], ['check', 'areas', 'west']]],
      ['bedrooms', [['text', 'bedrooms', '3']]],
      ['plot-size', [['radio', 'plot-size', 'medium']]],
      ['budget', []],
      ['how-you-heard', []]
    ],
    end: {
      kind: 'confirmation',
      title: 'Application complete',
      summary: ['A national of an EEA country or Switzerland', 'As an individual', 'SW1A 1AA', 'North Anytown', 'Westmoor and the rural west', 'Medium', 'Not provided']
    }
  },
  {
    form: 'self-build-register',
    name: 'group, with revealed questions and optional answers',
    steps: [
      ['date-of-birth', ADULT],
      ['nationality', [['radio', 'nationality', 'british']]],
      ['main-residence', [['radio', 'main-residence', 'yes']]],
      ['applying-as', [['radio', 'applying-as', 'group']]],
      ['group-details', [['text', 'group-name', 'Anytown Community Land Trust'], ['text', 'group-households', '12']]],
      ['name', NAME],
      ['address', address('address')],
      ['contact-details', [['text', 'email', 'ada@example.com'], ['text', 'telephone', '+44 808 157 0192']]],
      ['areas', [['check', 'areas', 'no-preference']]],
      ['bedrooms', [['text', 'bedrooms', '4']]],
      ['plot-size', [['radio', 'plot-size', 'specific'], ['text', 'plot-size-square-metres', '750']]],
      ['budget', [['radio', 'budget', 'prefer-not-to-say']]],
      ['how-you-heard', [['check', 'how-you-heard', 'social-media'], ['check', 'how-you-heard', 'other'], ['text', 'how-you-heard-other', 'A poster in the library']]]
    ],
    end: {
      kind: 'confirmation',
      title: 'Application complete',
      summary: ['As part of a group', 'Anytown Community Land Trust', '12', 'No preference', '750', 'A poster in the library']
    }
  },
  {
    form: 'self-build-register',
    name: 'under 18 is sent to the exit page',
    steps: [['date-of-birth', UNDER_18]],
    end: { kind: 'exit', slug: 'under-18', title: 'You cannot join the register yet', text: 'You can apply again once you turn 18.' }
  },
  {
    form: 'self-build-register',
    name: 'another nationality is sent to the exit page',
    steps: [
      ['date-of-birth', ADULT],
      ['nationality', [['radio', 'nationality', 'other']]]
    ],
    end: { kind: 'exit', slug: 'nationality-not-eligible', title: 'You cannot join the register', text: 'British citizen' }
  },
  {
    form: 'self-build-register',
    name: 'not a main residence is sent to the exit page',
    steps: [
      ['date-of-birth', ADULT],
      ['nationality', [['radio', 'nationality', 'british']]],
      ['main-residence', [['radio', 'main-residence', 'no']]]
    ],
    end: { kind: 'exit', slug: 'not-main-residence', title: 'You cannot join the register', text: 'second home' }
  },
  {
    form: 'resident-parking-permit',
    name: 'resident permit',
    steps: [
      ['zone', [['select', 'zone', 'c']]],
      ['permit-type', [['radio', 'permit-type', 'resident']]],
      ['home-address', address('home-address')],
      ['vehicle-registration', [['text', 'registration', 'cu57 abc']]],
      ['electric-vehicle', [['radio', 'electric-vehicle', 'yes']]],
      ['permit-length', [['radio', 'permit-length', '12-months']]],
      ['start-date', startDate],
      ['name', NAME],
      ['contact-details', [['text', 'email', 'ada@example.com'], ['text', 'telephone', '07700 900 982']]]
    ],
    end: { kind: 'confirmation', title: 'Application sent', summary: ['Zone C: Hospital', 'Resident permit', '12 months', '1 April 2026', 'Ada Lovelace', '07700'] }
  },
  {
    form: 'resident-parking-permit',
    name: 'visitor permits skip the vehicle questions',
    steps: [
      ['zone', [['select', 'zone', 'a']]],
      ['permit-type', [['radio', 'permit-type', 'visitor'], ['text', 'visitor-books', '2']]],
      ['home-address', address('home-address')],
      ['name', NAME],
      ['contact-details', [['text', 'email', 'ada@example.com'], ['text', 'telephone', '01632 960 001']]]
    ],
    end: { kind: 'confirmation', title: 'Application sent', summary: ['Zone A: Town centre', 'Visitor permits', '2'] }
  },
  {
    form: 'resident-parking-permit',
    name: 'business permit asks about the business',
    steps: [
      ['zone', [['select', 'zone', 'f']]],
      ['permit-type', [['radio', 'permit-type', 'business'], ['text', 'business-name', 'Old Town Plumbing']]],
      ['business-address', address('business-address')],
      ['business-reason', [['text', 'business-reason', 'We carry tools and pipes to jobs every day.']]],
      ['vehicle-registration', [['text', 'registration', 'AB12CDE']]],
      ['electric-vehicle', [['radio', 'electric-vehicle', 'no']]],
      ['permit-length', [['radio', 'permit-length', '3-months']]],
      ['start-date', startDate],
      ['name', NAME],
      ['contact-details', [['text', 'email', 'ada@example.com'], ['text', 'telephone', '01632 960 001']]]
    ],
    end: { kind: 'confirmation', title: 'Application sent', summary: ['Zone F: Old Town', 'Business permit', 'Old Town Plumbing', 'We carry tools and pipes to jobs every day.', '3 months'] }
  },
  {
    form: 'resident-parking-permit',
    name: 'a street not in a zone is sent to the exit page',
    steps: [['zone', [['select', 'zone', 'none']]]],
    end: { kind: 'exit', slug: 'not-in-zone', title: 'You do not need a parking permit', text: 'Parking permits are only for streets' }
  }
]

/** The journey that reaches `page` of `form` (for prerequisites). */
export function journeyTo (form, page) {
  const journey = JOURNEYS.find((j) => j.form === form && j.steps.some(([slug]) => slug === page))
  if (!journey) throw new Error(`no journey reaches ${form}/${page}`)
  return journey
}

/** The answers needed before `page` of `form`, as [slug, answers] steps. */
export function stepsBefore (form, page) {
  const journey = journeyTo(form, page)
  return journey.steps.slice(0, journey.steps.findIndex(([slug]) => slug === page))
}

const EMPTY_DOB = dob('', '', '')

/**
 * Invalid inputs for every question page. `expect` is the error summary's messages in order
 * (and the link targets): the server and the browser must both show exactly these.
 * `fix` (optional) corrects one field at a time, for the "errors clear as you fix them" check.
 */
export const INVALID = [
  // over-18-check
  { form: 'over-18-check', page: 'date-of-birth', name: 'empty', answers: EMPTY_DOB, expect: [['Enter your date of birth', '#date-of-birth-day']] },
  { form: 'over-18-check', page: 'date-of-birth', name: '31/02/2000', answers: dob('31', '02', '2000'), expect: [['Date of birth must be a real date', '#date-of-birth-day']], fix: [['date-of-birth-day', '28']] },
  { form: 'over-18-check', page: 'date-of-birth', name: 'missing month', answers: dob('15', '', '1990'), expect: [['Date of birth must include a month', '#date-of-birth-month']], fix: [['date-of-birth-month', '6']] },
  { form: 'over-18-check', page: 'date-of-birth', name: '2-digit year', answers: dob('15', '6', '90'), expect: [['Year must include 4 numbers', '#date-of-birth-year']], fix: [['date-of-birth-year', '1990']] },
  { form: 'over-18-check', page: 'date-of-birth', name: 'in the future', answers: dob('1', '1', '2030'), expect: [['Date of birth must be in the past', '#date-of-birth-day']] },
  { form: 'over-18-check', page: 'date-of-birth', name: 'not numbers', answers: dob('first', 'may', 'nineteen'), expect: [['Date of birth must be a real date', '#date-of-birth-day']] },
  { form: 'over-18-check', page: 'name', name: 'empty', answers: [], expect: [['Enter first names', '#full-name-first-names'], ['Enter last name', '#full-name-last-name']], fix: [['full-name-first-names', 'Ada'], ['full-name-last-name', 'Lovelace']] },
  { form: 'over-18-check', page: 'email', name: 'empty', answers: [], expect: [['Enter your email address', '#email']] },
  { form: 'over-18-check', page: 'email', name: 'not an email address', answers: [['text', 'email', 'ada at example.com']], expect: [['Enter an email address in the correct format, like name@example.com', '#email']], fix: [['email', 'ada@example.com']] },

  // self-build-register
  { form: 'self-build-register', page: 'date-of-birth', name: 'missing day and year', answers: dob('', '6', ''), expect: [['Date of birth must include a day and year', '#date-of-birth-day']] },
  { form: 'self-build-register', page: 'nationality', name: 'nothing selected', answers: [], expect: [['Select your nationality', '#nationality']] },
  { form: 'self-build-register', page: 'main-residence', name: 'nothing selected', answers: [], expect: [['Select yes if you intend to live in the home as your main residence', '#main-residence']] },
  { form: 'self-build-register', page: 'applying-as', name: 'nothing selected', answers: [], expect: [['Select if you are applying as an individual or as part of a group', '#applying-as']] },
  { form: 'self-build-register', page: 'group-details', name: 'empty', answers: [], expect: [['Enter the name of the group', '#group-name'], ['Enter how many households are in the group', '#group-households']] },
  { form: 'self-build-register', page: 'group-details', name: 'too few households', answers: [['text', 'group-name', 'Trust'], ['text', 'group-households', '1']], expect: [['Number of households in the group must be between 2 and 100', '#group-households']] },
  { form: 'self-build-register', page: 'group-details', name: 'households not a number', answers: [['text', 'group-name', 'Trust'], ['text', 'group-households', 'twelve']], expect: [['Number of households in the group must be a number', '#group-households']] },
  { form: 'self-build-register', page: 'name', name: 'only first names', answers: [['text', 'full-name-first-names', 'Ada']], expect: [['Enter last name', '#full-name-last-name']], fix: [['full-name-last-name', 'Lovelace']] },
  { form: 'self-build-register', page: 'address', name: 'empty', answers: [], expect: [['Enter address line 1', '#address-line-1'], ['Enter town or city', '#address-town'], ['Enter postcode', '#address-postcode']] },
  { form: 'self-build-register', page: 'address', name: 'bad postcode', answers: [['text', 'address-line-1', '1 High Street'], ['text', 'address-town', 'Anytown'], ['text', 'address-postcode', 'ANYTOWN']], expect: [['Enter a full UK postcode', '#address-postcode']], fix: [['address-postcode', 'SW1A 1AA']] },
  { form: 'self-build-register', page: 'contact-details', name: 'empty', answers: [], expect: [['Enter your email address', '#email']] },
  { form: 'self-build-register', page: 'contact-details', name: 'bad email and telephone', answers: [['text', 'email', 'ada@'], ['text', 'telephone', 'call me']], expect: [['Enter an email address in the correct format, like name@example.com', '#email'], ['Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192', '#telephone']], fix: [['email', 'ada@example.com'], ['telephone', '01632 960 001']] },
  { form: 'self-build-register', page: 'areas', name: 'nothing selected', answers: [], expect: [['Select the areas you would like to build in', '#areas']] },
  // With JavaScript on, govuk-frontend unticks the others when "No preference" is ticked; 'force'
  // ticks it without events, as a browser without that script would send both.
  { form: 'self-build-register', page: 'areas', name: 'an area and no preference', answers: [['check', 'areas', 'north'], ['force', 'areas', 'no-preference']], expect: [['Select the areas you would like to build in, or select ‘No preference’', '#areas']] },
  { form: 'self-build-register', page: 'bedrooms', name: 'empty', answers: [], expect: [['Enter how many bedrooms you would like the home to have', '#bedrooms']] },
  { form: 'self-build-register', page: 'bedrooms', name: 'not whole', answers: [['text', 'bedrooms', '2.5']], expect: [['Number of bedrooms must be a whole number', '#bedrooms']] },
  { form: 'self-build-register', page: 'bedrooms', name: 'too many', answers: [['text', 'bedrooms', '11']], expect: [['Number of bedrooms must be between 1 and 10', '#bedrooms']], fix: [['bedrooms', '3']] },
  { form: 'self-build-register', page: 'plot-size', name: 'nothing selected', answers: [], expect: [['Select the size of plot you need', '#plot-size']] },
  { form: 'self-build-register', page: 'plot-size', name: 'specific size missing', answers: [['radio', 'plot-size', 'specific']], expect: [['Enter plot size in square metres', '#plot-size-square-metres']] },
  { form: 'self-build-register', page: 'plot-size', name: 'specific size too small', answers: [['radio', 'plot-size', 'specific'], ['text', 'plot-size-square-metres', '20']], expect: [['Plot size in square metres must be between 50 and 10,000', '#plot-size-square-metres']] },
  { form: 'self-build-register', page: 'how-you-heard', name: 'somewhere else, not said where', answers: [['check', 'how-you-heard', 'other']], expect: [['Enter where you heard about it', '#how-you-heard-other']] },

  // resident-parking-permit
  { form: 'resident-parking-permit', page: 'zone', name: 'nothing selected', answers: [], expect: [['Select the parking zone your street is in', '#zone']] },
  { form: 'resident-parking-permit', page: 'permit-type', name: 'nothing selected', answers: [], expect: [['Select the type of permit you need', '#permit-type']] },
  { form: 'resident-parking-permit', page: 'permit-type', name: 'visitor, no number of books', answers: [['radio', 'permit-type', 'visitor']], expect: [['Enter how many books of visitor permits you need', '#visitor-books']] },
  { form: 'resident-parking-permit', page: 'permit-type', name: 'visitor, too many books', answers: [['radio', 'permit-type', 'visitor'], ['text', 'visitor-books', '9']], expect: [['Number of books must be between 1 and 5', '#visitor-books']], fix: [['visitor-books', '2']] },
  { form: 'resident-parking-permit', page: 'permit-type', name: 'business, no name', answers: [['radio', 'permit-type', 'business']], expect: [['Enter business name', '#business-name']] },
  { form: 'resident-parking-permit', page: 'home-address', name: 'empty', answers: [], expect: [['Enter address line 1', '#home-address-line-1'], ['Enter town or city', '#home-address-town'], ['Enter postcode', '#home-address-postcode']] },
  { form: 'resident-parking-permit', page: 'business-address', name: 'missing town', answers: [['text', 'business-address-line-1', '2 Old Street'], ['text', 'business-address-postcode', 'SW1A 1AA']], expect: [['Enter town or city', '#business-address-town']] },
  { form: 'resident-parking-permit', page: 'business-reason', name: 'empty', answers: [], expect: [['Enter why the business needs to park in the zone', '#business-reason']] },
  { form: 'resident-parking-permit', page: 'business-reason', name: 'too long', answers: [['text', 'business-reason', 'We carry tools. '.repeat(32)]], expect: [['Reason the business needs to park in the zone must be 500 characters or less', '#business-reason']] },
  { form: 'resident-parking-permit', page: 'vehicle-registration', name: 'empty', answers: [], expect: [['Enter registration number', '#registration']] },
  { form: 'resident-parking-permit', page: 'vehicle-registration', name: 'too long', answers: [['text', 'registration', 'ABCDE 12345']], expect: [['Registration number must be 8 characters or less', '#registration']], fix: [['registration', 'CU57 ABC']] },
  { form: 'resident-parking-permit', page: 'electric-vehicle', name: 'nothing selected', answers: [], expect: [['Select yes if it is a fully electric vehicle', '#electric-vehicle']] },
  { form: 'resident-parking-permit', page: 'permit-length', name: 'nothing selected', answers: [], expect: [['Select how long you want the permit for', '#permit-length']] },
  { form: 'resident-parking-permit', page: 'start-date', name: 'empty', answers: [], expect: [['Enter the date you want the permit to start', '#start-date-day']] },
  { form: 'resident-parking-permit', page: 'start-date', name: 'in the past', answers: [['text', 'start-date-day', '27'], ['text', 'start-date-month', '2'], ['text', 'start-date-year', '2026']], expect: [['Start date must be today or in the future', '#start-date-day']] },
  { form: 'resident-parking-permit', page: 'start-date', name: '30/02/2026', answers: [['text', 'start-date-day', '30'], ['text', 'start-date-month', '2'], ['text', 'start-date-year', '2026']], expect: [['Start date must be a real date', '#start-date-day']] },
  { form: 'resident-parking-permit', page: 'name', name: 'only a last name', answers: [['text', 'full-name-last-name', 'Lovelace']], expect: [['Enter first names', '#full-name-first-names']] },
  { form: 'resident-parking-permit', page: 'contact-details', name: 'empty', answers: [], expect: [['Enter your email address', '#email'], ['Enter your telephone number', '#telephone']], fix: [['email', 'ada@example.com'], ['telephone', '01632 960 001']] }
]

/** Every question page of every form, in journey order, each once. */
export function questionPages () {
  const seen = new Set()
  const pages = []
  for (const journey of JOURNEYS) {
    for (const [slug] of journey.steps) {
      const key = `${journey.form}/${slug}`
      if (!seen.has(key)) {
        seen.add(key)
        pages.push({ form: journey.form, page: slug })
      }
    }
  }
  return pages
}
