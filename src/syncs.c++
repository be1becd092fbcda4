#include "syncs.h++"

#include "codec.h++"

#include <algorithm>

namespace mtt {

namespace {

// Version 1: user id, type, mailbox. Version 2 (schema 2) adds enabled and
// last_resync.
constexpr uint8_t sync_record_version = 2;
constexpr uint8_t event_record_version = 1;

std::string encode_event(const Event &e) {
    Writer w;
    w.u8(event_record_version);
    w.str(e.user_id);
    w.str(e.instance);
    w.i64(e.start);
    w.i64(e.end);
    w.str(e.summary);
    w.str(e.location);
    return w.data();
}

Event decode_event(std::string_view key, std::string_view record) {
    Event e;
    Reader r(record);
    uint8_t version;
    if (key.size() < 8 || !r.u8(version) || version != event_record_version || !r.str(e.user_id) ||
        !r.str(e.instance) || !r.i64(e.start) || !r.i64(e.end) || !r.str(e.summary) ||
        !r.str(e.location) || !r.done())
        throw StoreError("an event record in the store is malformed", MDB_CORRUPTED);
    e.sync_id = from_be64(key.substr(0, 8));
    e.event_id = std::string(key.substr(8));
    return e;
}

std::string event_key(uint64_t sync_id, std::string_view event_id) {
    return be64(sync_id).append(event_id);
}

std::string user_event_key(const Event &e) {
    std::string k = e.user_id;
    k.append(e.instance).push_back('\0');
    return k.append(event_key(e.sync_id, e.event_id));
}

uint64_t next_sync_id(Txn &txn) {
    auto stored = txn.get(txn.tables().meta, "next_sync_id");
    uint64_t id = stored ? from_be64(*stored) : 1;
    txn.put(txn.tables().meta, "next_sync_id", be64(id + 1));
    return id;
}

void delete_event(Txn &txn, const Event &e) {
    txn.del(txn.tables().events, event_key(e.sync_id, e.event_id));
    txn.del(txn.tables().events_by_user, user_event_key(e));
}

// Deletes the events of one synchronization for which `pred` holds.
template <class Pred> void delete_sync_events(Txn &txn, uint64_t sync_id, Pred pred) {
    for (const Event &e : sync_events(txn, sync_id))
        if (pred(e))
            delete_event(txn, e);
}

// Deletes every entry of `dbi` whose key starts with `prefix`.
void delete_range(Txn &txn, MDB_dbi dbi, std::string_view prefix) {
    Cursor c(txn, dbi);
    for (bool ok = c.seek(prefix); ok && c.has_prefix(prefix); ok = c.next())
        c.del();
}

} // namespace

std::optional<UnlinkMode> parse_unlink_mode(std::string_view s) {
    if (s == "UNLINK_ONLY")
        return UnlinkMode::UnlinkOnly;
    if (s == "DELETE_FUTURE_EVENTS")
        return UnlinkMode::DeleteFutureEvents;
    if (s == "DELETE_ALL_EVENTS")
        return UnlinkMode::DeleteAllEvents;
    if (s == "CLEANUP")
        return UnlinkMode::Cleanup;
    return std::nullopt;
}

std::string encode_sync(const Sync &s) {
    Writer w;
    w.u8(sync_record_version);
    w.str(s.user_id);
    w.str(s.type);
    w.opt_str(s.mailbox);
    w.u8(s.enabled ? 1 : 0);
    w.opt_i64(s.last_resync);
    return w.data();
}

Sync decode_sync(std::string_view key, std::string_view record) {
    Sync s;
    Reader r(record);
    uint8_t version = 0, enabled = 1;
    bool ok = key.size() == 8 && r.u8(version) && (version == 1 || version == 2) &&
              r.str(s.user_id) && r.str(s.type) && r.opt_str(s.mailbox);
    if (ok && version >= 2)
        ok = r.u8(enabled) && enabled <= 1 && r.opt_i64(s.last_resync);
    if (!ok || !r.done())
        throw StoreError("a synchronization record in the store is malformed", MDB_CORRUPTED);
    s.enabled = enabled == 1;
    s.id = from_be64(key);
    return s;
}

std::optional<Sync> find_sync(const Txn &txn, uint64_t id) {
    std::string key = be64(id);
    auto record = txn.get(txn.tables().syncs, key);
    if (!record)
        return std::nullopt;
    return decode_sync(key, *record);
}

std::vector<Sync> user_syncs(const Txn &txn, std::string_view user_id) {
    std::vector<Sync> out;
    Cursor c(txn, txn.tables().syncs_by_user);
    for (bool ok = c.seek(user_id); ok && c.has_prefix(user_id); ok = c.next())
        if (auto s = find_sync(txn, from_be64(c.value())))
            out.push_back(std::move(*s));
    std::sort(out.begin(), out.end(), [](const Sync &a, const Sync &b) { return a.id < b.id; });
    return out;
}

uint64_t put_sync(Txn &txn, std::string_view user_id, std::string_view type,
                  const std::optional<std::string> &mailbox, std::optional<bool> enabled) {
    std::string by_user = std::string(user_id).append(type);
    Sync s;
    auto existing = txn.get(txn.tables().syncs_by_user, by_user);
    if (existing) {
        uint64_t id = from_be64(*existing);
        if (auto old = find_sync(txn, id))
            s = std::move(*old);
        s.id = id;
    } else {
        s.id = next_sync_id(txn);
    }
    s.user_id = std::string(user_id);
    s.type = std::string(type);
    s.mailbox = mailbox;
    if (enabled)
        s.enabled = *enabled;
    txn.put(txn.tables().syncs, be64(s.id), encode_sync(s));
    if (!existing)
        txn.put(txn.tables().syncs_by_user, by_user, be64(s.id));
    return s.id;
}

void mark_resync(Txn &txn, Sync s, int64_t at_ms) {
    s.last_resync = at_ms;
    txn.put(txn.tables().syncs, be64(s.id), encode_sync(s));
}

void unlink_sync(Txn &txn, const Sync &s, UnlinkMode mode, std::string_view instance, int64_t now) {
    switch (mode) {
    case UnlinkMode::UnlinkOnly:
        break;
    case UnlinkMode::DeleteFutureEvents:
        delete_sync_events(txn, s.id, [now](const Event &e) { return e.start > now; });
        break;
    case UnlinkMode::DeleteAllEvents:
        delete_sync_events(txn, s.id, [](const Event &) { return true; });
        break;
    case UnlinkMode::Cleanup: {
        std::string prefix = s.user_id;
        prefix.append(instance).push_back('\0');
        Cursor c(txn, txn.tables().events_by_user);
        for (bool ok = c.seek(prefix); ok && c.has_prefix(prefix); ok = c.next()) {
            txn.del(txn.tables().events, c.key().substr(prefix.size()));
            c.del();
        }
        break;
    }
    }
    txn.del(txn.tables().syncs_by_user, std::string(s.user_id).append(s.type));
    txn.del(txn.tables().syncs, be64(s.id));
}

void put_event(Txn &txn, const Event &e) {
    std::string key = event_key(e.sync_id, e.event_id);
    if (auto old = txn.get(txn.tables().events, key)) {
        Event previous = decode_event(key, *old);
        txn.del(txn.tables().events_by_user, user_event_key(previous));
    }
    txn.put(txn.tables().events, key, encode_event(e));
    txn.put(txn.tables().events_by_user, user_event_key(e), "");
}

std::vector<Event> sync_events(const Txn &txn, uint64_t sync_id) {
    std::vector<Event> out;
    std::string prefix = be64(sync_id);
    Cursor c(txn, txn.tables().events);
    for (bool ok = c.seek(prefix); ok && c.has_prefix(prefix); ok = c.next())
        out.push_back(decode_event(c.key(), c.value()));
    return out;
}

std::vector<Event> user_events(const Txn &txn, std::string_view user_id) {
    std::vector<Event> out;
    Cursor c(txn, txn.tables().events_by_user);
    for (bool ok = c.seek(user_id); ok && c.has_prefix(user_id); ok = c.next()) {
        std::string_view rest = c.key().substr(user_id.size());
        size_t nul = rest.find('\0');
        if (nul == std::string_view::npos)
            throw StoreError("an event index key in the store is malformed", MDB_CORRUPTED);
        std::string_view key = rest.substr(nul + 1);
        if (auto record = txn.get(txn.tables().events, key))
            out.push_back(decode_event(key, *record));
    }
    return out;
}

void delete_user_synchronizations(Txn &txn, std::string_view user_id) {
    for (const Sync &s : user_syncs(txn, user_id))
        txn.del(txn.tables().syncs, be64(s.id));
    delete_range(txn, txn.tables().syncs_by_user, user_id);
}

void delete_user_events(Txn &txn, std::string_view user_id) {
    for (const Event &e : user_events(txn, user_id))
        txn.del(txn.tables().events, event_key(e.sync_id, e.event_id));
    delete_range(txn, txn.tables().events_by_user, user_id);
}

} // namespace mtt
