// Provisioning API v0: users, synchronizations and the event ledger.
#include "handlers.h++"

#include "ical.h++"
#include "json.h++"
#include "rfc3339.h++"
#include "syncs.h++"
#include "text.h++"
#include "users.h++"
#include "validate.h++"

#include <algorithm>
#include <map>

namespace mtt {

namespace {

constexpr size_t max_event_id_bytes = 200;
constexpr size_t max_text_bytes = 4096;
constexpr const char *unlink_modes = "UNLINK_ONLY, DELETE_FUTURE_EVENTS, DELETE_ALL_EVENTS, CLEANUP";

const SyncType *find_type(const Settings &settings, std::string_view name) {
    for (const auto &t : settings.sync_types)
        if (t.name == name)
            return &t;
    return nullptr;
}

std::string known_types(const Settings &settings) {
    std::string out;
    for (const auto &t : settings.sync_types)
        out += (out.empty() ? "" : ", ") + t.name;
    return out;
}

// The {id} of a synchronization path; 400 in `bad` when it is not one.
bool sync_id_param(std::string_view raw, uint64_t &id, Response &bad) {
    auto v = parse_positive_id(raw);
    if (!v) {
        bad = error(400, "invalid synchronization id: expected a positive integer");
        return false;
    }
    id = *v;
    return true;
}

Response no_sync(uint64_t id) {
    return error(422, "no synchronization with id " + std::to_string(id));
}

Response no_user(std::string_view name) {
    return error(404, "no user \"" + std::string(name) + "\"");
}

// The unlinkMode query parameter; 400 in `bad` when missing or unknown.
std::optional<UnlinkMode> unlink_mode_param(const Request &req, Response &bad) {
    Form query;
    if (!query_form(req, query, bad))
        return std::nullopt;
    const std::string *mode;
    if (!single(query, "unlinkMode", false, "query parameter", mode, bad))
        return std::nullopt;
    if (!mode) {
        bad = error(400, std::string("missing query parameter unlinkMode: use one of ") +
                             unlink_modes);
        return std::nullopt;
    }
    auto parsed = parse_unlink_mode(*mode);
    if (!parsed)
        bad = error(400, "invalid unlinkMode \"" + *mode + "\": use one of " + unlink_modes);
    return parsed;
}

json_t *event_json(const Event &e) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_str(e.event_id));
    json_object_set_new(o, "synchronization", json_integer(static_cast<json_int_t>(e.sync_id)));
    json_object_set_new(o, "instance", json_str(e.instance));
    json_object_set_new(o, "start", json_str(format_rfc3339(e.start)));
    json_object_set_new(o, "end", json_str(format_rfc3339(e.end)));
    json_object_set_new(o, "summary", json_str(e.summary));
    json_object_set_new(o, "location", json_str(e.location));
    return o;
}

void sort_by_start(std::vector<Event> &events) {
    std::stable_sort(events.begin(), events.end(), [](const Event &a, const Event &b) {
        if (a.start != b.start)
            return a.start < b.start;
        if (a.sync_id != b.sync_id)
            return a.sync_id < b.sync_id;
        return a.event_id < b.event_id;
    });
}

Response events_response(std::vector<Event> events) {
    sort_by_start(events);
    Json list(json_array());
    for (const auto &e : events)
        json_array_append_new(list.get(), event_json(e));
    Json body(json_object());
    json_object_set(body.get(), "events", list.get());
    return json_response(200, body.get());
}

// Reads the event fields of a PUT .../events/{eventId}; 400 in `bad`.
bool event_from_form(const Request &req, const Settings &settings, Event &e, Response &bad) {
    Form form;
    if (!body_form(req, form, bad))
        return false;
    const std::string *start, *end;
    if (!single(form, "start", true, "form field", start, bad) ||
        !single(form, "end", true, "form field", end, bad))
        return false;
    std::string why;
    auto s = parse_rfc3339(*start, &why);
    if (!s) {
        bad = error(400, "invalid start \"" + *start + "\": " + why);
        return false;
    }
    auto t = parse_rfc3339(*end, &why);
    if (!t) {
        bad = error(400, "invalid end \"" + *end + "\": " + why);
        return false;
    }
    if (*t < *s) {
        bad = error(400, "end " + format_rfc3339(*t) + " is before start " + format_rfc3339(*s));
        return false;
    }
    e.start = *s;
    e.end = *t;
    for (auto [name, field] : {std::pair{"summary", &e.summary}, {"location", &e.location}}) {
        const std::string *v;
        if (!single(form, name, false, "form field", v, bad))
            return false;
        if (v) {
            if (auto problem = text_problem(name, *v, max_text_bytes)) {
                bad = error(400, "invalid " + std::string(name) + ": " + *problem);
                return false;
            }
            *field = *v;
        }
    }
    e.instance = settings.instance_id;
    const std::string *instance;
    if (!single(form, "instance", false, "form field", instance, bad))
        return false;
    if (instance) {
        if (auto problem = token_problem("the instance", *instance, 64)) {
            bad = error(400, "invalid instance: " + *problem);
            return false;
        }
        e.instance = *instance;
    }
    return true;
}

} // namespace

// ---------------------------------------------------------------- users

Response v0_list_users(Context &ctx, const Request &, const Params &) {
    Txn txn(ctx.env, Txn::Read);
    Json users(json_array());
    for_each_username(txn, [&](std::string_view name) {
        json_array_append_new(users.get(), json_str(name));
    });
    Json body(json_object());
    json_object_set(body.get(), "users", users.get());
    return json_response(200, body.get());
}

Response v0_put_user(Context &ctx, const Request &, const Params &p) {
    std::string name;
    Response bad;
    if (!username_param(p[0], name, bad))
        return bad;
    Txn txn(ctx.env, Txn::Write);
    if (ensure_user(txn, name))
        txn.commit();
    return no_content();
}

Response v0_delete_user(Context &ctx, const Request &, const Params &p) {
    std::string name;
    Response bad;
    if (!username_param(p[0], name, bad))
        return bad;
    Txn txn(ctx.env, Txn::Write);
    if (auto u = find_user_by_name(txn, name)) {
        delete_user(txn, *u);
        txn.commit();
    }
    return no_content();
}

Response v0_user_events(Context &ctx, const Request &, const Params &p) {
    std::string name;
    Response bad;
    if (!username_param(p[0], name, bad))
        return bad;
    Txn txn(ctx.env, Txn::Read);
    auto u = find_user_by_name(txn, name);
    if (!u)
        return no_user(name);
    return events_response(user_events(txn, u->id));
}

Response v0_user_calendar(Context &ctx, const Request &req, const Params &p) {
    std::string name;
    Response bad;
    if (!username_param(p[0], name, bad))
        return bad;
    Txn txn(ctx.env, Txn::Read);
    auto u = find_user_by_name(txn, name);
    if (!u)
        return no_user(name);
    auto events = user_events(txn, u->id);
    sort_by_start(events);
    Response r;
    r.content_type = "text/calendar; charset=utf-8";
    ical_begin(r.body, "-//ngx_mytimetable//provisioning API v0//EN");
    for (const auto &e : events) {
        IcalEvent ie;
        ie.uid = std::to_string(e.sync_id) + "-" + e.event_id + "@" + e.instance;
        ie.start = e.start;
        ie.end = e.end;
        ie.summary = e.summary;
        ie.location = e.location;
        ical_event(r.body, ie, req.now);
    }
    ical_end(r.body);
    return r;
}

// ---------------------------------------------------------------- synchronizations

Response v0_list_syncs(Context &ctx, const Request &, const Params &) {
    Txn txn(ctx.env, Txn::Read);
    std::map<std::string, std::string> names; // user id -> username
    Json list(json_array());
    for_each_sync(txn, [&](const Sync &s) {
        auto it = names.find(s.user_id);
        if (it == names.end()) {
            auto u = find_user(txn, s.user_id);
            it = names.emplace(s.user_id, u ? u->username : std::string()).first;
        }
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(static_cast<json_int_t>(s.id)));
        json_object_set_new(o, "username", json_str(it->second));
        json_object_set_new(o, "type", json_str(s.type));
        if (s.mailbox)
            json_object_set_new(o, "description", json_str(*s.mailbox));
        json_array_append_new(list.get(), o);
        return true;
    });
    Json body(json_object());
    json_object_set(body.get(), "synchronizations", list.get());
    return json_response(200, body.get());
}

Response v0_put_sync(Context &ctx, const Request &req, const Params &) {
    Form form;
    Response bad;
    if (!body_form(req, form, bad))
        return bad;
    const std::string *username, *type, *address;
    if (!single(form, "username", true, "form field", username, bad))
        return bad;
    if (auto problem = username_problem(*username))
        return error(400, "invalid username: " + *problem);
    if (!single(form, "type", true, "form field", type, bad))
        return bad;
    const SyncType *t = find_type(ctx.settings, *type);
    if (!t)
        return error(400, "unknown synchronization type \"" + *type +
                              "\": use one of " + known_types(ctx.settings));
    if (!single(form, "provisioning_smtpAddress", false, "form field", address, bad))
        return bad;
    if (address && address->empty())
        address = nullptr;
    std::optional<std::string> mailbox;
    if (t->mailbox) {
        if (!address)
            return error(400, "missing form field provisioning_smtpAddress: the type \"" + *type +
                                  "\" needs the user's mailbox address");
        if (auto problem = address_problem(*address))
            return error(400, "invalid provisioning_smtpAddress: " + *problem);
        mailbox = *address;
    } else if (address) {
        return error(400, "form field provisioning_smtpAddress does not apply to the type \"" +
                              *type + "\"");
    }
    Txn txn(ctx.env, Txn::Write);
    auto u = find_user_by_name(txn, *username);
    if (!u)
        return error(422, "no user \"" + *username + "\"");
    put_sync(txn, u->id, *type, mailbox);
    txn.commit();
    return no_content();
}

Response v0_delete_sync(Context &ctx, const Request &req, const Params &p) {
    uint64_t id;
    Response bad;
    if (!sync_id_param(p[0], id, bad))
        return bad;
    auto mode = unlink_mode_param(req, bad);
    if (!mode)
        return bad;
    Txn txn(ctx.env, Txn::Write);
    auto s = find_sync(txn, id);
    if (!s)
        return no_sync(id);
    unlink_sync(txn, *s, *mode, ctx.settings.instance_id, req.now);
    txn.commit();
    return no_content();
}

// ---------------------------------------------------------------- events

Response v0_put_event(Context &ctx, const Request &req, const Params &p) {
    uint64_t id;
    Response bad;
    if (!sync_id_param(p[0], id, bad))
        return bad;
    Event e;
    if (auto err = percent_decode(p[1], false, e.event_id))
        return error(400, "invalid event id: " + describe(*err));
    if (e.event_id.size() > max_event_id_bytes || has_control(e.event_id))
        return error(400, "invalid event id: use 1 to " + std::to_string(max_event_id_bytes) +
                              " bytes without control characters");
    if (!event_from_form(req, ctx.settings, e, bad))
        return bad;
    Txn txn(ctx.env, Txn::Write);
    auto s = find_sync(txn, id);
    if (!s)
        return no_sync(id);
    e.sync_id = id;
    e.user_id = s->user_id;
    put_event(txn, e);
    txn.commit();
    return no_content();
}

Response v0_sync_events(Context &ctx, const Request &, const Params &p) {
    uint64_t id;
    Response bad;
    if (!sync_id_param(p[0], id, bad))
        return bad;
    Txn txn(ctx.env, Txn::Read);
    if (!find_sync(txn, id))
        return no_sync(id);
    return events_response(sync_events(txn, id));
}

} // namespace mtt
