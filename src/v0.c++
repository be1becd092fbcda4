// Provisioning API v0: users, synchronizations and the event ledger.
#include "handlers.h++"

#include "command.h++"

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
constexpr const char *unlink_modes =
    "UNLINK_ONLY, DELETE_FUTURE_EVENTS, DELETE_ALL_EVENTS, CLEANUP";

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
        bad = error(400,
                    std::string("missing query parameter unlinkMode: use one of ") + unlink_modes);
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
    // required, as MyTimetable always sends them; an empty value is one
    for (auto [name, field] : {std::pair{"summary", &e.summary}, {"location", &e.location}}) {
        const std::string *v;
        if (!single(form, name, true, "form field", v, bad))
            return false;
        if (auto problem = text_problem(name, *v, max_text_bytes)) {
            bad = error(400, "invalid " + std::string(name) + ": " + *problem);
            return false;
        }
        *field = *v;
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

constexpr size_t max_display_name_bytes = 256;
constexpr size_t max_profile_entries = 100;
constexpr size_t max_attribute_value_bytes = 1024;
constexpr size_t max_role_bytes = 64;

json_t *optional_str(const std::optional<std::string> &s) {
    return s ? json_str(*s) : json_null();
}

json_t *profile_json(const User &u) {
    json_t *o = json_object();
    json_object_set_new(o, "username", json_str(u.username));
    json_object_set_new(o, "displayName", optional_str(u.display_name));
    json_object_set_new(o, "locale", optional_str(u.locale));
    if (u.attributes) {
        json_t *attrs = json_array();
        for (const auto &a : *u.attributes) {
            json_t *values = json_array();
            for (const auto &v : a.values)
                json_array_append_new(values, json_str(v));
            json_t *attr = json_object();
            json_object_set_new(attr, "name", json_str(a.name));
            json_object_set_new(attr, "values", values);
            json_array_append_new(attrs, attr);
        }
        json_object_set_new(o, "attributes", attrs);
    } else {
        json_object_set_new(o, "attributes", json_null());
    }
    json_t *roles = json_array();
    for (const auto &r : u.roles)
        json_array_append_new(roles, json_str(r));
    json_object_set_new(o, "roles", roles);
    return o;
}

Response profile_response(int status, const User &u) {
    Json body(profile_json(u));
    return json_response(status, body.get());
}

// A single optional text field of a profile form: displayName.
bool display_name_field(const Form &form, std::optional<std::string> &out, Response &bad) {
    const std::string *v;
    if (!single(form, "displayName", false, "form field", v, bad))
        return false;
    out.reset();
    if (!v || v->empty())
        return true;
    auto problem = text_problem("displayName", *v, max_display_name_bytes);
    if (!problem && has_control(*v))
        problem = "displayName contains a control character";
    if (problem) {
        bad = error(400, "invalid displayName: " + *problem);
        return false;
    }
    out = *v;
    return true;
}

bool locale_field(const Form &form, std::optional<std::string> &out, Response &bad) {
    const std::string *v;
    if (!single(form, "locale", false, "form field", v, bad))
        return false;
    out.reset();
    if (!v || v->empty())
        return true;
    if (auto problem = locale_problem(*v)) {
        bad = error(400, "invalid locale \"" + *v + "\": " + *problem);
        return false;
    }
    out = *v;
    return true;
}

// attributes=name=value, repeated: the name ends at the first '=' (so a URN
// such as urn:oid:1.3.6.1.4.1.5923.1.1.1.1 is a name); values of one name are
// collected in order.
bool attributes_field(const Form &form, std::optional<std::vector<Attribute>> &out, Response &bad) {
    auto entries = form.all("attributes");
    out.reset();
    if (entries.empty())
        return true;
    if (entries.size() > max_profile_entries) {
        bad = error(400, "too many attributes: at most " + std::to_string(max_profile_entries));
        return false;
    }
    out.emplace();
    for (const std::string *entry : entries) {
        size_t eq = entry->find('=');
        if (eq == std::string::npos) {
            bad = error(400, "invalid attributes \"" + *entry + "\": expected name=value");
            return false;
        }
        std::string name = entry->substr(0, eq), value = entry->substr(eq + 1);
        if (auto problem = attribute_name_problem(name)) {
            // a name over the bound is not repeated in the message
            bad = error(400, name.size() > max_attribute_name_bytes
                                 ? "invalid attributes: " + *problem
                                 : "invalid attributes \"" + name + "=...\": " + *problem);
            return false;
        }
        auto problem = text_problem("an attribute value", value, max_attribute_value_bytes);
        if (!problem && has_control(value))
            problem = "an attribute value contains a control character";
        if (problem) {
            bad = error(400, "invalid attributes \"" + name + "=...\": " + *problem);
            return false;
        }
        auto same = std::find_if(out->begin(), out->end(),
                                 [&](const Attribute &a) { return a.name == name; });
        if (same == out->end())
            out->push_back({name, {value}});
        else
            same->values.push_back(value);
    }
    return true;
}

bool roles_field(const Form &form, std::vector<std::string> &out, Response &bad) {
    auto entries = form.all("roles");
    out.clear();
    if (entries.size() > max_profile_entries) {
        bad = error(400, "too many roles: at most " + std::to_string(max_profile_entries));
        return false;
    }
    for (const std::string *role : entries) {
        if (role->empty() || role->size() > max_role_bytes || has_control(*role)) {
            bad = error(400, "invalid roles \"" + *role + "\": use 1 to " +
                                 std::to_string(max_role_bytes) +
                                 " bytes without control characters");
            return false;
        }
        if (std::find(out.begin(), out.end(), *role) == out.end())
            out.push_back(*role);
    }
    return true;
}

// Replaces the profile of `u` with the one in `form` (absent fields clear).
bool profile_from_form(const Form &form, User &u, Response &bad) {
    return display_name_field(form, u.display_name, bad) && locale_field(form, u.locale, bad) &&
           attributes_field(form, u.attributes, bad) && roles_field(form, u.roles, bad);
}

// A synchronization as later MyTimetable versions show it, in both lists.
json_t *sync_json(const Sync &s, std::string_view username) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(static_cast<json_int_t>(s.id)));
    json_object_set_new(o, "type", json_str(s.type));
    json_object_set_new(o, "username", json_str(username));
    json_object_set_new(o, "description", optional_str(s.mailbox));
    json_object_set_new(o, "enabled", json_boolean(s.enabled));
    json_object_set_new(o, "status", json_string(s.enabled ? "OK" : "DISABLED"));
    json_object_set_new(o, "lastResync",
                        s.last_resync ? json_integer(static_cast<json_int_t>(*s.last_resync))
                                      : json_null());
    return o;
}

// The optional `enabled` field of PUT v0/synchronizations: true or false
// (in any case); absent: nothing in `out`.
bool enabled_field(const Form &form, std::optional<bool> &out, Response &bad) {
    const std::string *v;
    if (!single(form, "enabled", false, "form field", v, bad))
        return false;
    out.reset();
    if (!v)
        return true;
    std::string folded = *v;
    for (char &c : folded)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    if (folded == "true" || folded == "false") {
        out = folded == "true";
        return true;
    }
    bad = error(400, "invalid enabled \"" + *v + "\": use true or false");
    return false;
}

Response syncs_response(const Json &list) {
    Json body(json_object());
    json_object_set(body.get(), "synchronizations", list.get());
    return json_response(200, body.get());
}

Response user_syncs_response(const Txn &txn, const User &u) {
    Json list(json_array());
    for (const Sync &s : user_syncs(txn, u.id))
        json_array_append_new(list.get(), sync_json(s, u.username));
    return syncs_response(list);
}

// Unlinks the user's synchronizations (of `type` only, when given).
Parsed unlink_user_syncs(const Request &req, std::string_view raw_user,
                         std::optional<std::string> type) {
    std::string name;
    Response bad;
    if (!username_param(raw_user, name, bad))
        return bad;
    auto mode = unlink_mode_param(req, bad);
    if (!mode)
        return bad;
    return then([name, type, mode = *mode](Txn &txn, const Scope &at) {
        auto u = find_user_by_name(txn, name);
        if (!u)
            return no_user(name);
        auto syncs = user_syncs(txn, u->id);
        // a type no longer declared still names the synchronizations of it
        if (type && !find_type(at.settings, *type) &&
            std::none_of(syncs.begin(), syncs.end(),
                         [&](const Sync &s) { return s.type == *type; }))
            return error(400, "unknown synchronization type \"" + *type + "\": use one of " +
                                  known_types(at.settings));
        for (const Sync &s : syncs)
            if (!type || s.type == *type)
                unlink_sync(txn, s, mode, at.settings.instance_id, at.now);
        return no_content();
    });
}

} // namespace

// ---------------------------------------------------------------- users

// {"users":[...]} straight from the username index, a piece at a time, each
// piece in a read transaction of its own (see ResumableScan): a client that
// reads slowly holds no snapshot and no reader slot.
class UsernameStream : public BodyStream {
  public:
    explicit UsernameStream(const Env &env) : scan_(env, env.tables().users_by_name) {}
    bool next(std::string &out, size_t hint) override {
        size_t start = out.size();
        bool more = scan_.piece([&](const Txn &, const Cursor &c) {
            if (!first_)
                out.push_back(',');
            first_ = false;
            append_json_string(out, c.key());
            return out.size() - start < hint;
        });
        if (more)
            return true;
        out += "]}";
        return false;
    }

  private:
    ResumableScan scan_;
    bool first_ = true;
};

// Up to this many users, the list is rendered whole (and so may be cached);
// beyond, it is streamed.
constexpr size_t whole_list_users = 1000;

Parsed v0_list_users(const Request &, const Params &, const Settings &) {
    return then([](Txn &txn, const Scope &at) {
        Response r;
        r.content_type = json_type;
        r.body = "{\"users\":[";
        if (txn.entries(txn.tables().users_by_name) > whole_list_users) {
            r.stream = std::make_unique<UsernameStream>(at.env);
            return r;
        }
        Cursor c(txn, txn.tables().users_by_name);
        for (bool ok = c.first(); ok; ok = c.next()) {
            if (r.body.back() != '[')
                r.body.push_back(',');
            append_json_string(r.body, c.key());
        }
        r.body += "]}";
        return r;
    });
}

// Without a body: ensure the user exists (204). With a form body: create
// (201) or replace (200) the user's profile.
Parsed v0_put_user(const Request &req, const Params &p, const Settings &) {
    std::string name;
    Response bad;
    if (!username_param(p[0], name, bad))
        return bad;
    if (!req.has_body)
        return then([name](Txn &txn, const Scope &) {
            ensure_user(txn, name);
            return no_content();
        });
    Form form;
    if (!body_form(req, form, bad))
        return bad;
    if (form.count("username"))
        return error(400, "form field username does not apply here: the username is in the path");
    User profile;
    if (!profile_from_form(form, profile, bad))
        return bad;
    return then([name, profile](Txn &txn, const Scope &at) {
        auto old = find_user_by_name(txn, name);
        User u = old ? *old : User{};
        if (!old) {
            u.id = new_user_id();
            u.username = name;
        }
        u.display_name = profile.display_name;
        u.locale = profile.locale;
        u.attributes = profile.attributes;
        u.roles = profile.roles;
        put_user(txn, u, old ? &*old : nullptr);
        Response r = profile_response(old ? 200 : 201, u);
        if (!old)
            r.headers.push_back(
                {"Location", std::string(at.base_url) + "v0/users/" + percent_encode(name)});
        return r;
    });
}

// A read of the user named by the path's segment `raw`: `answer(txn, at,
// user)`, or 404 when there is no such user.
template <class Answer> Parsed for_user(std::string_view raw, Answer answer) {
    std::string name;
    Response bad;
    if (!username_param(raw, name, bad))
        return bad;
    return then([name, answer](Txn &txn, const Scope &at) {
        auto u = find_user_by_name(txn, name);
        return u ? answer(txn, at, *u) : no_user(name);
    });
}

Parsed v0_get_user(const Request &, const Params &p, const Settings &) {
    return for_user(p[0],
                    [](Txn &, const Scope &, const User &u) { return profile_response(200, u); });
}

Parsed v0_create_user(const Request &req, const Params &, const Settings &) {
    Form form;
    Response bad;
    if (!body_form(req, form, bad))
        return bad;
    const std::string *name;
    if (!single(form, "username", true, "form field", name, bad))
        return bad;
    if (auto problem = username_problem(*name))
        return error(400, "invalid username: " + *problem);
    User profile;
    if (!profile_from_form(form, profile, bad))
        return bad;
    profile.username = *name;
    return then([profile](Txn &txn, const Scope &at) {
        if (find_user_by_name(txn, profile.username))
            return error(409, "the username \"" + profile.username + "\" is taken");
        User u = profile;
        u.id = new_user_id();
        put_user(txn, u, nullptr);
        Response r = profile_response(201, u);
        r.headers.push_back(
            {"Location", std::string(at.base_url) + "v0/users/" + percent_encode(u.username)});
        return r;
    });
}

Parsed v0_user_syncs(const Request &, const Params &p, const Settings &) {
    return for_user(
        p[0], [](Txn &txn, const Scope &, const User &u) { return user_syncs_response(txn, u); });
}

Parsed v0_delete_user_syncs(const Request &req, const Params &p, const Settings &) {
    return unlink_user_syncs(req, p[0], std::nullopt);
}

Parsed v0_delete_user_sync_type(const Request &req, const Params &p, const Settings &) {
    std::string type;
    if (auto e = percent_decode(p[1], false, type))
        return error(400, "invalid synchronization type: " + describe(*e));
    return unlink_user_syncs(req, p[0], std::move(type));
}

Parsed v0_delete_user(const Request &, const Params &p, const Settings &) {
    std::string name;
    Response bad;
    if (!username_param(p[0], name, bad))
        return bad;
    return then([name](Txn &txn, const Scope &) {
        if (auto u = find_user_by_name(txn, name))
            delete_user(txn, *u);
        return no_content();
    });
}

Parsed v0_user_events(const Request &, const Params &p, const Settings &) {
    return for_user(p[0], [](Txn &txn, const Scope &, const User &u) {
        return events_response(user_events(txn, u.id));
    });
}

Parsed v0_user_calendar(const Request &, const Params &p, const Settings &) {
    return for_user(p[0], [](Txn &txn, const Scope &at, const User &u) {
        auto events = user_events(txn, u.id);
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
            ical_event(r.body, ie, at.now);
        }
        ical_end(r.body, events.size());
        return r;
    });
}

// ---------------------------------------------------------------- synchronizations

Parsed v0_list_syncs(const Request &, const Params &, const Settings &) {
    return then([](Txn &txn, const Scope &) {
        std::map<std::string, std::string> names; // user id -> username
        Json list(json_array());
        for_each_sync(txn, [&](const Sync &s) {
            auto it = names.find(s.user_id);
            if (it == names.end()) {
                auto u = find_user(txn, s.user_id);
                it = names.emplace(s.user_id, u ? u->username : std::string()).first;
            }
            json_array_append_new(list.get(), sync_json(s, it->second));
            return true;
        });
        return syncs_response(list);
    });
}

Parsed v0_put_sync(const Request &req, const Params &, const Settings &settings) {
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
    const SyncType *t = find_type(settings, *type);
    if (!t)
        return error(400, "unknown synchronization type \"" + *type + "\": use one of " +
                              known_types(settings));
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
    std::optional<bool> enabled;
    if (!enabled_field(form, enabled, bad))
        return bad;
    return then([username = *username, type = *type, mailbox, enabled](Txn &txn, const Scope &) {
        auto u = find_user_by_name(txn, username);
        if (!u)
            return error(422, "no user \"" + username + "\"");
        put_sync(txn, u->id, type, mailbox, enabled);
        return no_content();
    });
}

Parsed v0_delete_sync(const Request &req, const Params &p, const Settings &) {
    uint64_t id;
    Response bad;
    if (!sync_id_param(p[0], id, bad))
        return bad;
    auto mode = unlink_mode_param(req, bad);
    if (!mode)
        return bad;
    return then([id, mode = *mode](Txn &txn, const Scope &at) {
        auto s = find_sync(txn, id);
        if (!s)
            return no_sync(id);
        unlink_sync(txn, *s, mode, at.settings.instance_id, at.now);
        return no_content();
    });
}

// ---------------------------------------------------------------- events

Parsed v0_put_event(const Request &req, const Params &p, const Settings &settings) {
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
    if (!event_from_form(req, settings, e, bad))
        return bad;
    e.sync_id = id;
    return then([e](Txn &txn, const Scope &at) {
        auto s = find_sync(txn, e.sync_id);
        if (!s)
            return no_sync(e.sync_id);
        if (!s->enabled)
            return error(422, "the synchronization with id " + std::to_string(e.sync_id) +
                                  " is disabled: it takes no events until a PUT "
                                  "v0/synchronizations sets enabled=true");
        Event stored = e;
        stored.user_id = s->user_id;
        put_event(txn, stored);
        mark_resync(txn, std::move(*s), at.now * 1000);
        return no_content();
    });
}

Parsed v0_sync_events(const Request &, const Params &p, const Settings &) {
    uint64_t id;
    Response bad;
    if (!sync_id_param(p[0], id, bad))
        return bad;
    return then([id](Txn &txn, const Scope &) {
        if (!find_sync(txn, id))
            return no_sync(id);
        return events_response(sync_events(txn, id));
    });
}

} // namespace mtt
