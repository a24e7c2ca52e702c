// Per-request routing for the OCR gateway (njs). The routing state is data: a small JSON file the
// control tool replaces atomically, read on every request, so moving the weight, rolling back,
// deploying or retiring never reloads nginx. Order: pin (X-Model-Version) > sticky key (X-Client-Id / cookie ocr_client)
// > weighted draw.

var BUCKETS = 10000;
// A version whose answer timed out or whose connection failed is skipped by unpinned requests this long;
// the first request after that tries it again (its return when healthy, or another ejection). A new
// routing state (an operator's promote, rollback, weight or deploy) ends every ejection at once: the
// operator's intent is tried again rather than overruled by what happened before it.
var EJECT_MS = 10000;

// FNV-1a: a stable, cheap hash so a client key always lands in the same bucket.
function bucketOf(key) {
    var hash = 0x811c9dc5;
    for (var i = 0; i < key.length; i++) {
        hash ^= key.charCodeAt(i);
        hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash % BUCKETS;
}

// The shadow version gets a mirrored copy of what stable answers (its answers are discarded).
function shadowOf(state, version) {
    return state.shadow && version === state.stable && state.shadow !== version ? state.shadow : '';
}

// The version an unpinned request goes to when the chosen one is down: the canary (even at weight 0),
// else stable, else any other deployed version; a down stable must not turn every request into a 503.
function fallbackFor(state, chosen) {
    var candidates = [state.canary, state.stable].concat(state.deployed);
    for (var i = 0; i < candidates.length; i++) {
        if (candidates[i] && candidates[i] !== chosen) {
            return candidates[i];
        }
    }
    return '';
}

// An unpinned request whose chosen version is ejected goes to its fallback straight away (a pinned one
// still goes where the client asked); an ejected shadow gets no copy.
function avoidEjected(decision, ejected) {
    if (decision.reason !== 'pinned' && decision.fallback && ejected.indexOf(decision.version) >= 0 &&
        ejected.indexOf(decision.fallback) < 0) {
        decision = {version: decision.fallback, fallback: decision.version, reason: decision.reason,
                    shadow: decision.shadow, avoided: decision.version};
    }
    if (decision.shadow && ejected.indexOf(decision.shadow) >= 0) {
        decision.shadow = '';
    }
    return decision;
}

// The routing decision, free of nginx so it can be tested on its own. ejected: versions to avoid.
// Returns {version, fallback, reason, shadow[, avoided]} or {error, status, message}.
function decide(state, pinned, clientKey, draw, ejected) {
    var decision = choose(state, pinned, clientKey, draw);
    return decision.error ? decision : avoidEjected(decision, ejected || []);
}

function choose(state, pinned, clientKey, draw) {
    if (pinned) {
        if (state.deployed.indexOf(pinned) < 0) {
            return {status: 404, error: 'unknown_version',
                    message: "unknown version '" + pinned + "'; deployed: " + state.deployed.join(', ')};
        }
        return {version: pinned, fallback: '', reason: 'pinned', shadow: shadowOf(state, pinned)};
    }
    var canary = state.canary && state.canary_weight > 0 ? state.canary : '';
    if (!canary) {
        // Weight 0 (or no canary) sends nothing to another version, unless stable cannot answer.
        return {version: state.stable, fallback: fallbackFor(state, state.stable), reason: 'stable',
                shadow: shadowOf(state, state.stable)};
    }
    // The canary owns the lowest buckets: raising the weight only moves clients stable -> canary.
    var threshold = state.canary_weight * BUCKETS / 100;
    var bucket = clientKey ? bucketOf(clientKey) : Math.floor(draw * BUCKETS);
    var chosen = bucket < threshold ? canary : state.stable;
    return {version: chosen, fallback: chosen === canary ? state.stable : canary,
            reason: clientKey ? 'sticky' : 'weighted', shadow: shadowOf(state, chosen)};
}

function clientKeyOf(r) {
    var header = r.headersIn['X-Client-Id'];
    if (header) {
        return header;
    }
    var cookies = r.headersIn['Cookie'] || '';
    var match = cookies.match(/(?:^|;\s*)ocr_client=([^;]+)/);
    return match ? match[1] : '';
}

// A state that cannot misroute: the same rules the control tool validates before writing.
function usable(state) {
    return state !== null && typeof state === 'object' && Array.isArray(state.deployed) &&
        typeof state.stable === 'string' && state.deployed.indexOf(state.stable) >= 0 &&
        typeof state.canary_weight === 'number' && state.canary_weight >= 0 && state.canary_weight <= 100 &&
        (!state.canary || state.deployed.indexOf(state.canary) >= 0);
}

function readFile(path) {
    var state = JSON.parse(require('fs').readFileSync(path));
    if (!usable(state)) {
        throw new Error('inconsistent routing state');
    }
    return state;
}

// routing.json, or, when it is missing, truncated or inconsistent, the last good copy the tool keeps
// beside it (routing.last-good.json): traffic keeps flowing by the last state that was valid, and the
// access log says so ("state": "last_good") with a warning in the error log.
function readState(r) {
    var path = r.variables.routing_state_path;
    try {
        var state = readFile(path);
        r.variables.route_state = 'current';
        return state;
    } catch (e) {
        var lastGood = readFile(path.replace(/\.json$/, '.last-good.json'));
        r.variables.route_state = 'last_good';
        r.warn('routing state ' + path + ' unusable (' + e.message + '): routing by the last good state');
        return lastGood;
    }
}

function readEjections(r) {
    try {
        return JSON.parse(require('fs').readFileSync(r.variables.ejections_path));
    } catch (e) {
        return {};  // none yet (or a torn write, which the next outcome rewrites)
    }
}

function ejectedNow(ejections, now, generation) {
    return Object.keys(ejections).filter(function (version) {
        var entry = ejections[version];
        return entry.until > now && entry.generation === generation;
    });
}

// js_set $route_health (access log, after the answer): a version that timed out (504) or could not be
// reached (502) is ejected for EJECT_MS; one that answers again is cleared. Written by the one worker
// (worker_processes 1), read by every routing decision.
function noteOutcome(r, version) {
    // The version's own attempts come before the first ':' (the failover location's follow it); with several
    // replicas behind one name, the version failed only when its last attempt did.
    var last = (r.variables.upstream_status || '').split(':')[0].split(',').pop().trim();
    if (!version || version === 'none' || !last) {
        return '';
    }
    var failed = last === '504' || last === '502';
    // Most answers change nothing: only a failure, or an answer from a version routing saw ejected, is written
    // (the list target() saw, so the file is read once per request, not twice).
    if (!failed && r.variables.route_ejected.split(',').indexOf(version) < 0) {
        return '';
    }
    var ejections = readEjections(r);
    if (failed) {
        ejections[version] = {until: Date.now() + EJECT_MS, generation: r.variables.route_generation};
        r.warn('version ' + version + ' answered ' + last + ': ejected for ' + EJECT_MS + ' ms');
    } else {
        delete ejections[version];
    }
    var fs = require('fs');
    var path = r.variables.ejections_path;
    try {
        fs.writeFileSync(path + '.tmp', JSON.stringify(ejections));
        fs.renameSync(path + '.tmp', path);  // a reader sees the old list or the new one, never half
    } catch (e) {
        r.error('cannot record the ejection in ' + path + ': ' + e.message);
        return 'unrecorded';
    }
    return failed ? 'ejected' : 'returned';
}

function routeHealth(r) {
    return noteOutcome(r, r.variables.route_version);
}

function shadowHealth(r) {
    return noteOutcome(r, r.variables.route_shadow);
}

// js_set $ocr_target: the chosen version (or error404/error503); also fills $route_reason,
// $route_version, $route_fallback (the version an unpinned request fails over to), $route_shadow
// (the version that gets a mirrored copy) and $route_error.
function target(r) {
    var state;
    try {
        state = readState(r);
    } catch (e) {
        r.variables.route_error = 'routing_state_unreadable';
        return 'error503';
    }
    var ejected = ejectedNow(readEjections(r), Date.now(), String(state.generation));
    r.variables.route_ejected = ejected.join(',');
    var decision = decide(state, r.headersIn['X-Model-Version'] || '', clientKeyOf(r), Math.random(), ejected);
    if (decision.error) {
        r.variables.route_reason = 'pinned';
        r.variables.route_error = decision.error;
        // Built by JSON.stringify, never pasted into a template: a crafted pin cannot change the JSON.
        r.variables.route_body = JSON.stringify({success: false, code: decision.error, error: decision.message});
        return 'error' + decision.status;
    }
    r.variables.route_generation = String(state.generation);
    r.variables.route_reason = decision.reason;
    r.variables.route_avoided = decision.avoided || '';
    r.variables.route_version = decision.version;
    r.variables.route_fallback = decision.fallback;
    r.variables.route_shadow = decision.shadow;
    r.variables.route_shadow_role = decision.shadow ? 'primary' : '';
    return decision.version;
}

// Where a version listens follows from its name alone, so the gateway's config names no version and never
// changes (nor reloads) as versions are deployed and retired: $version_address is a pattern such as
// "ocr-{version}:8000" (a container or service name, resolved per request) or "127.0.0.1:{port}" (local mode:
// version vN listens on $version_port_base + N). Anything that is not a version's name has no address.
var VERSION_NAME = /^v([0-9]{1,4})$/;

function addressOf(version, pattern, portBase) {
    var match = VERSION_NAME.exec(version || '');
    if (!match) {
        return '';
    }
    return pattern.replace('{version}', version).replace('{port}', String(portBase + Number(match[1])));
}

function addressFrom(variable) {
    return function (r) {
        return addressOf(r.variables[variable], r.variables.version_address,
                         Number(r.variables.version_port_base));
    };
}

// js_set $route_logged (access log): 'failover' when another version than the chosen one answered.
function loggedRoute(r) {
    var answered = r.variables.upstream_http_x_model_version;
    var chosen = r.variables.route_version;
    return answered && chosen !== 'none' && answered !== chosen ? 'failover' : r.variables.route_reason;
}

export default {target: target, decide: decide, bucketOf: bucketOf, loggedRoute: loggedRoute, usable: usable,
                routeHealth: routeHealth, shadowHealth: shadowHealth, addressOf: addressOf,
                targetAddress: addressFrom('ocr_target'), fallbackAddress: addressFrom('route_fallback'),
                shadowAddress: addressFrom('route_shadow')};
