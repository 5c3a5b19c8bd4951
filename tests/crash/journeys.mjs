// Resident journeys for the crash-safety suite: per form, the answers a client posts (by page
// slug, in route order) and the normalised answers the store must hold for them afterwards.
//
// Every journey's email address carries its id, so a stored submission can be traced back to
// the one client that made it (a second submission for the same id is a duplicate).

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with the same --seed. */
export function rng(seed) {
    let a = seed >>> 0;
    const next = () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return {
        int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
        pick: (xs) => xs[Math.floor(next() * xs.length)],
        some: (xs) => {
            const out = xs.filter(() => next() < 0.5);
            return out.length ? out : [xs[0]];
        },
        chance: (p) => next() < p,
        next,
    };
}

const pad = (n) => String(n).padStart(2, '0');
const FIRST = ['Amira', 'Bob', 'Chioma', 'Dafydd', 'Eilidh', 'Femi', 'Gwen', 'Hamza', 'Iris', 'José'];
const LAST = ['Ahmed', 'Brown', 'Cohen', 'Davies', 'Evans', 'Fraser', 'Garcia', 'Hughes', 'Singh', 'Wójcik'];
const TOWNS = ['Anytown', 'Northgate', 'Riverside', 'Old Town'];
const POSTCODES = ['SW1A 1AA', 'M1 1AE', 'B33 8TH', 'CR2 6XH', 'DN55 1PT', 'EC1A 1BB'];

function dateOfBirth(r) {
    // 18 or over on 2026-02-28 (FORMWORK_TODAY), with room to spare.
    return { y: r.int(1940, 2005), m: r.int(1, 12), d: r.int(1, 28) };
}

function fullName(r, name, id) {
    const first = `${r.pick(FIRST)} ${id}`;
    const last = r.pick(LAST);
    return {
        post: { [`${name}-first-names`]: first, [`${name}-last-name`]: last },
        stored: { [name]: { 'first-names': first, 'last-name': last } },
    };
}

function address(r, name) {
    const line1 = `${r.int(1, 250)} ${r.pick(['High Street', 'Mill Lane', 'Church Road', 'Station Road'])}`;
    const town = r.pick(TOWNS);
    const postcode = r.pick(POSTCODES);
    const post = {
        [`${name}-line-1`]: line1,
        [`${name}-line-2`]: '',
        [`${name}-town`]: town,
        [`${name}-county`]: '',
        [`${name}-postcode`]: postcode.toLowerCase().replace(' ', ''),
    };
    // Composites are stored as one object; empty optional parts are left out; postcodes normalised.
    const stored = { [name]: { 'line-1': line1, town, postcode } };
    return { post, stored };
}

function date(name, { y, m, d }) {
    return {
        post: { [`${name}-day`]: String(d), [`${name}-month`]: String(m), [`${name}-year`]: String(y) },
        stored: { [name]: `${y}-${pad(m)}-${pad(d)}` },
    };
}

/**
 * A journey: `{ id, form, route: [{ slug, post }...], expected }`, where `post` is the list of
 * [name, value] pairs sent from that page (repeated names for checkboxes) and `expected` the
 * answers the store must hold.
 */
export function makeJourney(form, id, r) {
    const email = `${id}@crash.example.com`;
    const route = [];
    const expected = {};
    const page = (slug, parts) => {
        const post = [];
        for (const part of parts) {
            for (const [k, v] of Object.entries(part.post)) {
                if (Array.isArray(v)) v.forEach((x) => post.push([k, x]));
                else post.push([k, v]);
            }
            Object.assign(expected, part.stored);
        }
        route.push({ slug, post });
    };
    const plain = (name, value, stored = value) => ({ post: { [name]: value }, stored: { [name]: stored } });

    if (form === 'over-18-check') {
        page('date-of-birth', [date('date-of-birth', dateOfBirth(r))]);
        page('name', [fullName(r, 'full-name', id)]);
        page('email', [plain('email', email)]);
    } else if (form === 'resident-parking-permit') {
        const kind = r.pick(['resident', 'resident', 'visitor', 'business']);
        page('zone', [plain('zone', r.pick(['a', 'b', 'c', 'd', 'e', 'f']))]);
        const type = [plain('permit-type', kind)];
        if (kind === 'visitor') {
            const books = r.int(1, 5);
            type.push(plain('visitor-books', String(books), books));
        }
        if (kind === 'business') type.push(plain('business-name', `Crash Bakery ${id}`));
        page('permit-type', type);
        if (kind === 'business') {
            page('business-address', [address(r, 'business-address')]);
            page('business-reason', [plain('business-reason', `We deliver bread every morning (${id}).`)]);
        } else {
            page('home-address', [address(r, 'home-address')]);
        }
        if (kind !== 'visitor') {
            const reg = `${r.pick(['AB', 'CU', 'LX'])}${r.int(10, 69)} ${r.pick(['ABC', 'XYZ', 'KLM'])}`;
            page('vehicle-registration', [plain('registration', reg)]);
            page('electric-vehicle', [plain('electric-vehicle', r.pick(['yes', 'no']))]);
            page('permit-length', [plain('permit-length', r.pick(['3-months', '6-months', '12-months']))]);
            page('start-date', [date('start-date', { y: 2026, m: r.int(3, 12), d: r.int(1, 28) })]);
        }
        page('name', [fullName(r, 'full-name', id)]);
        page('contact-details', [plain('email', email), plain('telephone', '01632 960 001', '01632960001')]);
    } else if (form === 'self-build-register') {
        const group = r.chance(0.3);
        page('date-of-birth', [date('date-of-birth', dateOfBirth(r))]);
        page('nationality', [plain('nationality', r.pick(['british', 'eea-or-swiss']))]);
        page('main-residence', [plain('main-residence', 'yes')]);
        page('applying-as', [plain('applying-as', group ? 'group' : 'individual')]);
        if (group) {
            const households = r.int(2, 100);
            page('group-details', [
                plain('group-name', `Crash Co-housing ${id}`),
                plain('group-households', String(households), households),
            ]);
        }
        page('name', [fullName(r, 'full-name', id)]);
        page('address', [address(r, 'address')]);
        page('contact-details', [plain('email', email), { post: { telephone: '' }, stored: {} }]);
        const areas = r.some(['town-centre', 'north', 'east', 'south', 'west']);
        page('areas', [plain('areas', areas)]);
        const bedrooms = r.int(1, 10);
        page('bedrooms', [plain('bedrooms', String(bedrooms), bedrooms)]);
        page('plot-size', [plain('plot-size', r.pick(['small', 'medium', 'large']))]);
        page('budget', [plain('budget', r.pick(['under-200000', '200000-to-350000', 'prefer-not-to-say']))]);
        const heard = r.some(['council-website', 'social-media', 'newspaper', 'word-of-mouth']);
        page('how-you-heard', [plain('how-you-heard', heard)]);
    } else {
        throw new Error(`no journey for form ${form}`);
    }
    return { id, form, email, route, expected };
}

export const FORMS = ['over-18-check', 'resident-parking-permit', 'self-build-register'];
